#include "delay_line.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <stdexcept>
#include <string>

namespace printgate::bench {

namespace {

using line_clock = std::chrono::steady_clock;

constexpr std::size_t read_chunk = 64 * 1024;
// The forwarder's own socket buffers stay small, so that the window above is what bounds
// the bytes in flight, not the kernel's autotuned buffers of the loopback legs.
constexpr int socket_buffer = 256 * 1024;

void set_int(int fd, int level, int option, int value) {
    ::setsockopt(fd, level, option, &value, sizeof value);
}

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

struct chunk {
    std::vector<char> bytes;  // empty: the sender's FIN
    line_clock::time_point release;
};

// One direction of one connection: a reader that stamps what it reads with the time it
// leaves the far end of the line, and a writer that hands it on at that time.
class direction {
public:
    direction(int from, int to, const link_shape& shape)
        : from_(from),
          to_(to),
          one_way_(shape.rtt / 2),
          bytes_per_second_(shape.mbps * 1e6 / 8),
          window_(window_of(shape)) {}

    void start() {
        reader_ = std::thread([this] { read_loop(); });
        writer_ = std::thread([this] { write_loop(); });
    }
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
    }
    void join() {
        if (reader_.joinable()) reader_.join();
        if (writer_.joinable()) writer_.join();
    }

private:
    void push(chunk c) {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(std::move(c));
        }
        ready_.notify_all();
    }

    bool stopping() {
        std::lock_guard lock(mutex_);
        return stopping_;
    }

    void read_loop() {
        std::deque<std::pair<line_clock::time_point, std::size_t>> unacknowledged;
        std::size_t in_flight = 0;
        auto link_free = line_clock::now();
        for (;;) {
            auto now = line_clock::now();
            while (!unacknowledged.empty() && unacknowledged.front().first <= now) {
                in_flight -= unacknowledged.front().second;
                unacknowledged.pop_front();
            }
            if (in_flight >= window_) {
                // The window is full: read nothing until the oldest bytes are acknowledged.
                std::this_thread::sleep_until(unacknowledged.front().first);
                if (stopping()) break;
                continue;
            }
            chunk c;
            c.bytes.resize(std::min(read_chunk, window_ - in_flight));
            const ssize_t n = ::read(from_, c.bytes.data(), c.bytes.size());
            if (n < 0 && errno == EINTR) continue;
            now = line_clock::now();
            if (n <= 0) {
                push({{}, std::max(now, link_free) + one_way_});
                return;
            }
            c.bytes.resize(static_cast<std::size_t>(n));
            // Serialised behind what is already on the link, then across.
            link_free = std::max(link_free, now) +
                        std::chrono::duration_cast<line_clock::duration>(
                            std::chrono::duration<double>(static_cast<double>(n) / bytes_per_second_));
            c.release = link_free + one_way_;
            unacknowledged.emplace_back(c.release + one_way_, c.bytes.size());
            in_flight += c.bytes.size();
            push(std::move(c));
        }
        push({{}, line_clock::now()});
    }

    void write_loop() {
        for (;;) {
            chunk c;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
                if (stopping_) return;
                const auto release = queue_.front().release;
                if (ready_.wait_until(lock, release, [&] { return stopping_; })) return;
                c = std::move(queue_.front());
                queue_.pop_front();
            }
            if (c.bytes.empty()) {
                ::shutdown(to_, SHUT_WR);
                return;
            }
            for (std::size_t done = 0; done < c.bytes.size();) {
                const ssize_t n = ::send(to_, c.bytes.data() + done, c.bytes.size() - done, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) {
                    ::shutdown(from_, SHUT_RD);  // the reader sees an end and stops
                    return;
                }
                done += static_cast<std::size_t>(n);
            }
        }
    }

    int from_, to_;
    line_clock::duration one_way_;
    double bytes_per_second_;
    std::size_t window_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<chunk> queue_;
    bool stopping_ = false;
    std::thread reader_, writer_;
};

}  // namespace

std::size_t window_of(const link_shape& s) {
    if (s.window > 0) return s.window;
    const double bdp = s.mbps * 1e6 / 8 * std::chrono::duration<double>(s.rtt).count();
    return static_cast<std::size_t>(bdp * 1.25) + (1u << 20);
}

struct delay_line::connection {
    connection(int client, int server, const link_shape& shape)
        : client_(client), server_(server), up_(client, server, shape), down_(server, client, shape) {
        up_.start();
        down_.start();
    }
    ~connection() {
        ::shutdown(client_, SHUT_RDWR);
        ::shutdown(server_, SHUT_RDWR);
        up_.stop();
        down_.stop();
        up_.join();
        down_.join();
        ::close(client_);
        ::close(server_);
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    int client_, server_;
    direction up_, down_;
};

delay_line::delay_line(link_shape shape, std::uint16_t target) : shape_(shape), target_(target) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("delay line: socket failed");
    set_int(listener_, SOL_SOCKET, SO_RCVBUF, socket_buffer);  // inherited by accepted sockets
    set_int(listener_, SOL_SOCKET, SO_SNDBUF, socket_buffer);
    auto address = loopback(0);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 64) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(listener_);
        throw std::runtime_error("delay line: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

delay_line::~delay_line() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);  // wakes accept()
    acceptor_.join();
    ::close(listener_);
    std::lock_guard lock(mutex_);
    live_.clear();
}

void delay_line::accept_loop() {
    while (!stopping_) {
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return;
        }
        const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        set_int(server, SOL_SOCKET, SO_RCVBUF, socket_buffer);
        set_int(server, SOL_SOCKET, SO_SNDBUF, socket_buffer);
        auto address = loopback(target_);
        if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            if (server >= 0) ::close(server);
            ::close(client);
            continue;
        }
        // The senders decide about Nagle; the line must not add a delay of its own.
        set_int(client, IPPROTO_TCP, TCP_NODELAY, 1);
        set_int(server, IPPROTO_TCP, TCP_NODELAY, 1);
        ++connections_;
        std::lock_guard lock(mutex_);
        live_.push_back(std::make_unique<connection>(client, server, shape_));
    }
}

}  // namespace printgate::bench
