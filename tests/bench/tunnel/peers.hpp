#pragma once
// The set-ups people use today, started on loopback for bench tunnel: their own sshd with
// its own keys and `ssh -R` (cipher aes128-gcm), and nginx terminating TLS with
// `proxy_pass` and upstream keepalive into a forwarded port, in front of an nginx origin.
#include "process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace printgate::bench {

// A loopback port the OS considers free right now.
std::uint16_t free_port();

// A throwaway P-256 certificate for `names` (first is the CN), made with the openssl CLI.
struct tls_files {
    std::filesystem::path cert, key;
};
tls_files make_certificate(const std::filesystem::path& dir, const std::vector<std::string>& names);

// sshd on a loopback port and one `ssh -N -R` client forwarding remote ports to local ones.
class ssh_forward {
public:
    struct mapping {
        std::uint16_t remote;  // the port sshd listens on for the forward
        std::uint16_t target;  // where the ssh client connects on "the home side"
    };
    // `route`, when given, is handed sshd's port and returns the port the ssh client
    // connects to instead (a delay_line in front of sshd: the link from home to the VPS).
    ssh_forward(const std::filesystem::path& dir, const std::vector<std::uint16_t>& targets,
                const std::function<std::uint16_t(std::uint16_t)>& route = {});
    ~ssh_forward();  // ssh, sshd and all their processes
    ssh_forward(const ssh_forward&) = delete;
    ssh_forward& operator=(const ssh_forward&) = delete;
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    std::uint16_t remote_port(std::size_t i) const { return mappings_.at(i).remote; }
    // sshd (whose per-connection children do the server side's work) and the ssh client.
    std::vector<int> pids() const { return {sshd_ ? sshd_->pid() : -1, ssh_ ? ssh_->pid() : -1}; }

private:
    std::vector<mapping> mappings_;
    std::unique_ptr<testing::child_process> sshd_, ssh_;
    std::string error_;
};

// One nginx with two servers: the origin (plain HTTP, serving `docroot`) and the front
// (TLS, proxy_pass with upstream keepalive to `upstream_port`, e.g. an ssh -R port).
class nginx_classic {
public:
    nginx_classic(const std::filesystem::path& dir, const std::filesystem::path& docroot, const tls_files& tls);
    ~nginx_classic();  // the master and its workers
    nginx_classic(const nginx_classic&) = delete;
    nginx_classic& operator=(const nginx_classic&) = delete;
    // The front proxies to this port; call before start().
    void set_upstream(std::uint16_t port) { upstream_ = port; }
    bool start();
    std::uint16_t origin_port() const { return origin_; }
    std::uint16_t front_port() const { return front_; }
    int pid() const { return nginx_ ? nginx_->pid() : -1; }  // the master; workers are below it
    const std::string& error() const { return error_; }

private:
    std::filesystem::path dir_, docroot_;
    tls_files tls_;
    std::uint16_t origin_ = 0, front_ = 0, upstream_ = 0;
    std::unique_ptr<testing::child_process> nginx_;
    std::string error_;
};

// Runs Debian's wrk and returns its Requests/sec (0 on failure, with `error` set). With
// `connect_to` (an IP address), wrk connects there whatever the URL's host resolves to;
// `header` ("Name: value"), when not empty, goes on every request.
double run_wrk(const std::filesystem::path& dir, const std::string& url, const std::string& connect_to,
               const std::string& header, int threads, int connections, int seconds, std::string& error);

// Resident memory and CPU time of a process, from /proc.
// Kills p's process group and every process below it (see peers.cpp).
void end_with_descendants(const std::unique_ptr<testing::child_process>& p);

std::uint64_t rss_bytes(int pid);
double cpu_seconds_of(int pid);
// CPU seconds of `pid` and every live process below it (sshd's per-connection children).
double tree_cpu_seconds(int pid);
// CPU seconds of this process, all threads.
double own_cpu_seconds();

}  // namespace printgate::bench
