#pragma once
// A small HTTPS server for the download tests: a fresh self-signed certificate for
// 127.0.0.1 and localhost (written to a PEM file the edge can be told to trust), one thread,
// blocking OpenSSL, fixed answers by path. It counts the connections it accepted, so a test
// can prove that a refused download never connected.
#include "edge_harness.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace edge_test {

class https_server {
public:
    // path -> the whole raw HTTP answer (head and body)
    using answers = std::map<std::string, std::string>;

    https_server(const std::filesystem::path& cert_file, answers a) : answers_(std::move(a)) {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* cert = X509_new();
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
        X509_gmtime_adj(X509_getm_notBefore(cert), -60);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("printgate test"), -1, -1, 0);
        X509_set_issuer_name(cert, name);
        X509V3_CTX v3;
        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
        for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                                  std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
            X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
            X509_add_ext(cert, ext, -1);
            X509_EXTENSION_free(ext);
        }
        X509_sign(cert, key, EVP_sha256());
        if (FILE* f = std::fopen(cert_file.c_str(), "w")) {
            PEM_write_X509(f, cert);
            std::fclose(f);
        }
        ctx_ = SSL_CTX_new(TLS_server_method());
        SSL_CTX_use_certificate(ctx_, cert);
        SSL_CTX_use_PrivateKey(ctx_, key);
        X509_free(cert);
        EVP_PKEY_free(key);

        fd_ = bind_loopback(port_);
        thread_ = std::thread([this] { loop(); });
    }
    ~https_server() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
        SSL_CTX_free(ctx_);
    }
    https_server(const https_server&) = delete;
    https_server& operator=(const https_server&) = delete;

    int port() const { return port_; }
    int connections() const { return connections_; }
    // Every request read whole: its request line, a newline, its body.
    std::vector<std::string> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    static std::string no_content() { return "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"; }
    std::string url(const std::string& host, const std::string& path) const {
        return "https://" + host + ":" + std::to_string(port_) + path;
    }

    static std::string ok(const std::string& body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/x.gcode\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\nConnection: close\r\n\r\n" + body;
    }
    static std::string redirect(const std::string& location) {
        return "HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    }

private:
    void loop() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            ++connections_;
            timeval tv{10, 0};
            ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            SSL* ssl = SSL_new(ctx_);
            SSL_set_fd(ssl, c);
            if (SSL_accept(ssl) == 1) serve(ssl);
            SSL_free(ssl);
            ::close(c);
        }
    }
    void serve(SSL* ssl) {
        std::string in;
        char buf[4096];
        while (in.find("\r\n\r\n") == std::string::npos) {
            const int n = SSL_read(ssl, buf, sizeof buf);
            if (n <= 0) return;
            in.append(buf, static_cast<std::size_t>(n));
        }
        // A body (webhooks POST one) is read whole and kept with its request line.
        const auto head_end = in.find("\r\n\r\n") + 4;
        std::size_t length = 0;
        if (auto at = in.find("Content-Length: "); at != std::string::npos && at < head_end)
            length = std::stoul(in.substr(at + 16));
        while (in.size() < head_end + length) {
            const int n = SSL_read(ssl, buf, sizeof buf);
            if (n <= 0) return;
            in.append(buf, static_cast<std::size_t>(n));
        }
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(in.substr(0, in.find("\r\n")) + "\n" + in.substr(head_end));
        }
        const auto sp1 = in.find(' ');
        const auto sp2 = in.find(' ', sp1 + 1);
        const auto path = in.substr(sp1 + 1, sp2 - sp1 - 1);
        auto it = answers_.find(path);
        const std::string out = it == answers_.end() ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                                     : it->second;
        for (std::size_t at = 0; at < out.size();) {
            const int n = SSL_write(ssl, out.data() + at, static_cast<int>(std::min<std::size_t>(out.size() - at, 16384)));
            if (n <= 0) return;
            at += static_cast<std::size_t>(n);
        }
        SSL_shutdown(ssl);
    }

    answers answers_;
    SSL_CTX* ctx_ = nullptr;
    int fd_ = -1, port_ = 0;
    std::atomic<int> connections_{0};
    std::mutex mutex_;
    std::vector<std::string> requests_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace edge_test
