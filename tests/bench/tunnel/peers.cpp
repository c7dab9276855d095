#include "peers.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace printgate::bench {

namespace net = boost::asio;
using net::ip::tcp;
using testing::child_process;
using testing::read_file;
using testing::wait_until;

namespace {

bool accepts(std::uint16_t port) {
    net::io_context io;
    tcp::socket s(io);
    boost::system::error_code ec;
    s.connect({net::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
}

int run_quiet(std::vector<std::string> argv, const std::filesystem::path& dir, const std::string& tag) {
    child_process p(std::move(argv), dir / (tag + ".out"), dir / (tag + ".err"));
    auto status = p.wait(std::chrono::seconds(60));
    return status ? *status : -1;
}

// Every process below `pid`, children first found, from /proc's parent links.
std::vector<int> descendants_of(int pid) {
    std::vector<std::pair<int, int>> parent_of;  // (pid, ppid)
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(e.path() / "stat");
        std::string line;
        std::getline(stat, line);
        auto close = line.rfind(')');
        if (close == std::string::npos || close + 2 > line.size()) continue;
        std::istringstream rest(line.substr(close + 2));
        std::string state;
        int ppid = 0;
        rest >> state >> ppid;
        parent_of.emplace_back(std::stoi(name), ppid);
    }
    std::vector<int> out{pid};
    for (std::size_t i = 0; i < out.size(); ++i)
        for (auto [child, parent] : parent_of)
            if (parent == out[i]) out.push_back(child);
    out.erase(out.begin());
    return out;
}

}  // namespace

// A server's master killed alone leaves its workers behind (nginx), and sshd's
// per-connection children live in sessions of their own. child_process made each child
// the leader of its own process group: kill that group, and every descendant found in
// /proc besides, so that the next run starts clean. child_process's destructor then reaps
// the leader.
void end_with_descendants(const std::unique_ptr<child_process>& p) {
    if (!p || p->pid() <= 0 || !p->running()) return;
    const auto below = descendants_of(p->pid());
    ::kill(-p->pid(), SIGKILL);
    for (int pid : below) ::kill(pid, SIGKILL);
}

namespace {

std::string user_name() {
    if (passwd* pw = getpwuid(getuid())) return pw->pw_name;
    return "root";
}

}  // namespace

std::uint16_t free_port() {
    net::io_context io;
    tcp::acceptor a(io, {net::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

tls_files make_certificate(const std::filesystem::path& dir, const std::vector<std::string>& names) {
    tls_files f{dir / "bench-cert.pem", dir / "bench-key.pem"};
    std::string san = "subjectAltName=";
    for (std::size_t i = 0; i < names.size(); ++i) san += (i ? ",DNS:" : "DNS:") + names[i];
    run_quiet({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
               "-keyout", f.key.string(), "-out", f.cert.string(), "-days", "2", "-subj", "/CN=" + names.at(0),
               "-addext", san},
              dir, "openssl");
    return f;
}

ssh_forward::ssh_forward(const std::filesystem::path& dir, const std::vector<std::uint16_t>& targets,
                         const std::function<std::uint16_t(std::uint16_t)>& route) {
    std::filesystem::create_directories(dir);
    const auto host_key = dir / "ssh_host_ed25519";
    const auto user_key = dir / "id_ed25519";
    std::filesystem::remove(host_key);
    std::filesystem::remove(user_key);
    if (run_quiet({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key.string()}, dir, "keygen1") != 0 ||
        run_quiet({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", user_key.string()}, dir, "keygen2") != 0) {
        error_ = "ssh-keygen failed (is openssh-client installed?)";
        return;
    }
    std::filesystem::copy_file(user_key.string() + ".pub", dir / "authorized_keys",
                               std::filesystem::copy_options::overwrite_existing);
    // sshd wants its privilege separation directory when run as root.
    if (getuid() == 0) std::filesystem::create_directories("/run/sshd");
    const std::uint16_t port = free_port();
    {
        std::ofstream cfg(dir / "sshd_config");
        cfg << fmt::format(
            "Port {}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n"
            "StrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            "PermitRootLogin prohibit-password\nAllowTcpForwarding yes\nCiphers aes128-gcm@openssh.com\n"
            "Compression no\nLogLevel ERROR\n",
            port, host_key.string(), (dir / "sshd.pid").string(), (dir / "authorized_keys").string());
    }
    sshd_ = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/sbin/sshd", "-D", "-e", "-f", (dir / "sshd_config").string()}, dir / "sshd.out",
        dir / "sshd.err");
    if (!wait_until([&] { return accepts(port) || !sshd_->running(); }, std::chrono::seconds(10)) || !sshd_->running()) {
        error_ = "sshd did not start: " + sshd_->err();
        return;
    }
    const std::uint16_t connect_port = route ? route(port) : port;
    std::vector<std::string> argv = {"/usr/bin/ssh", "-N", "-T", "-i", user_key.string(), "-p", std::to_string(connect_port),
                                     "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                                     "-o", "ExitOnForwardFailure=yes", "-o", "BatchMode=yes",
                                     "-o", "Ciphers=aes128-gcm@openssh.com", "-o", "Compression=no",
                                     "-o", "LogLevel=ERROR"};
    for (auto target : targets) {
        mapping m{free_port(), target};
        mappings_.push_back(m);
        argv.push_back("-R");
        argv.push_back(fmt::format("127.0.0.1:{}:127.0.0.1:{}", m.remote, m.target));
    }
    argv.push_back(user_name() + "@127.0.0.1");
    ssh_ = std::make_unique<child_process>(argv, dir / "ssh.out", dir / "ssh.err");
    bool up = wait_until(
        [&] {
            if (!ssh_->running()) return true;
            for (auto& m : mappings_)
                if (!accepts(m.remote)) return false;
            return true;
        },
        std::chrono::seconds(15));
    if (!up || !ssh_->running()) error_ = "ssh -R did not come up: " + ssh_->err() + sshd_->err();
}

ssh_forward::~ssh_forward() {
    end_with_descendants(ssh_);
    end_with_descendants(sshd_);
}

nginx_classic::nginx_classic(const std::filesystem::path& dir, const std::filesystem::path& docroot,
                             const tls_files& tls)
    : dir_(dir / "nginx"), docroot_(docroot), tls_(tls) {
    std::filesystem::create_directories(dir_ / "logs");
    origin_ = free_port();
    front_ = free_port();
}

bool nginx_classic::start() {
    // What the how-tos describe: TLS at nginx, HTTP/1.1 with keepalive to the upstream,
    // which is the port `ssh -R` opened on the VPS.
    std::ofstream cfg(dir_ / "nginx.conf");
    // Run as root, nginx's workers would drop to `nobody` and could not read the docroot.
    if (geteuid() == 0) cfg << "user root;\n";
    cfg << fmt::format(R"(daemon off;
worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/logs/error.log error;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  sendfile on;
  keepalive_requests 100000;
  upstream home {{ server 127.0.0.1:{up}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{origin};
    root {root};
  }}
  server {{
    listen 127.0.0.1:{front} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.3;
    location / {{
      proxy_pass http://home;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }}
  }}
}}
)",
                       fmt::arg("dir", dir_.string()), fmt::arg("up", upstream_), fmt::arg("origin", origin_),
                       fmt::arg("front", front_), fmt::arg("root", docroot_.string()),
                       fmt::arg("cert", tls_.cert.string()), fmt::arg("key", tls_.key.string()));
    cfg.close();
    nginx_ = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/sbin/nginx", "-p", dir_.string(), "-c", (dir_ / "nginx.conf").string()},
        dir_ / "nginx.out", dir_ / "nginx.err");
    bool up = wait_until([&] { return !nginx_->running() || (accepts(origin_) && accepts(front_)); },
                         std::chrono::seconds(10));
    if (!up || !nginx_->running()) {
        error_ = "nginx did not start: " + nginx_->err() + read_file(dir_ / "logs/error.log");
        return false;
    }
    return true;
}

nginx_classic::~nginx_classic() { end_with_descendants(nginx_); }

double run_wrk(const std::filesystem::path& dir, const std::string& url, const std::string& connect_to,
               const std::string& header, int threads, int connections, int seconds, std::string& error) {
    std::vector<std::string> argv = {"/usr/bin/wrk", "-t", std::to_string(threads), "-c", std::to_string(connections),
                                     "-d", std::to_string(seconds) + "s"};
    if (!header.empty()) {
        argv.push_back("-H");
        argv.push_back(header);
    }
    if (!connect_to.empty()) {
        // wrk sends the URL's host as SNI and Host; the name need not resolve here, since
        // the script points every connection at `connect_to`.
        const auto script = dir / "connect_to.lua";
        std::ofstream(script) << "wrk.resolve = function(host, service)\n"
                              << "  wrk.addrs = wrk.lookup(\"" << connect_to << "\", service)\n"
                              << "end\n";
        argv.push_back("-s");
        argv.push_back(script.string());
    }
    argv.push_back(url);
    child_process p(argv, dir / "wrk.out", dir / "wrk.err");
    auto status = p.wait(std::chrono::seconds(seconds + 30));
    const std::string out = p.out();
    auto at = out.find("Requests/sec:");
    if (!status || *status != 0 || at == std::string::npos) {
        error = "wrk failed: " + out + p.err();
        return 0;
    }
    if (out.find("Non-2xx") != std::string::npos || out.find("Socket errors") != std::string::npos)
        error = "wrk saw errors: " + out;
    return std::stod(out.substr(at + 13));
}

std::uint64_t rss_bytes(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (status >> key) {
        if (key == "VmRSS:") {
            std::uint64_t kib = 0;
            status >> kib;
            return kib * 1024;
        }
        status.ignore(4096, '\n');
    }
    return 0;
}

double cpu_seconds_of(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15; ++i) {
        rest >> field;
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double tree_cpu_seconds(int pid) {
    if (pid <= 0) return 0;
    double total = cpu_seconds_of(pid);
    for (int child : descendants_of(pid)) total += cpu_seconds_of(child);
    return total;
}

double own_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace printgate::bench
