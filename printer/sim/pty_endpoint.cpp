#include "pty_endpoint.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>

namespace printgate::sim {
namespace {

// A real port's output FIFO plus the kernel's buffer: more than this, unread, is lost.
constexpr std::size_t write_limit = 64 * 1024;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

pty_endpoint::pty_endpoint(net::any_io_executor ex, std::string link_path, byte_sink& sink)
    : ex_(ex), link_(std::move(link_path)), sink_(sink), master_(ex), writer_(master_, write_limit) {}

pty_endpoint::~pty_endpoint() { vanish(); }

std::optional<std::string> pty_endpoint::open() {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return errno_text("posix_openpt");
    std::array<char, 128> name{};
    if (::grantpt(master) != 0 || ::unlockpt(master) != 0 ||
        ::ptsname_r(master, name.data(), name.size()) != 0) {
        auto why = errno_text("grantpt/unlockpt/ptsname");
        ::close(master);
        return why;
    }
    const int slave = ::open(name.data(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        auto why = errno_text("open pty slave");
        ::close(master);
        return why;
    }
    // Raw from the start: a cooked pty would echo the host's lines back to it and
    // translate line endings before the host had a chance to configure the port.
    termios tio{};
    if (::tcgetattr(slave, &tio) == 0) {
        ::cfmakeraw(&tio);
        ::tcsetattr(slave, TCSANOW, &tio);
    }
    if (auto why = replace_link(name.data())) {
        ::close(slave);
        ::close(master);
        return why;
    }
    slave_fd_ = slave;
    slave_name_ = name.data();
    master_.assign(master);
    ++generation_;
    writer_.reset();
    net::co_spawn(ex_, read_loop(generation_), net::detached);
    return std::nullopt;
}

std::optional<std::string> pty_endpoint::replace_link(const std::string& target) {
    struct stat st {};
    if (::lstat(link_.c_str(), &st) == 0 && !S_ISLNK(st.st_mode))
        return link_ + " exists and is not a symlink; refusing to replace it";
    // symlink + rename, so a host polling for the path never sees it missing or half made.
    const std::string temp = link_ + ".sim-" + std::to_string(::getpid());
    ::unlink(temp.c_str());
    if (::symlink(target.c_str(), temp.c_str()) != 0) return errno_text("symlink");
    if (::rename(temp.c_str(), link_.c_str()) != 0) {
        auto why = errno_text("rename link");
        ::unlink(temp.c_str());
        return why;
    }
    return std::nullopt;
}

void pty_endpoint::remove_link() {
    // Only our own link: another simulator may have taken the path over since.
    std::array<char, 256> target{};
    const auto n = ::readlink(link_.c_str(), target.data(), target.size() - 1);
    if (n > 0 && std::string(target.data(), static_cast<std::size_t>(n)) == slave_name_)
        ::unlink(link_.c_str());
}

void pty_endpoint::vanish() {
    ++generation_;
    writer_.reset();
    if (!master_.is_open()) return;
    remove_link();
    boost::system::error_code ignored;
    master_.close(ignored);
    if (slave_fd_ >= 0) ::close(slave_fd_);
    slave_fd_ = -1;
}

void pty_endpoint::write(std::string_view bytes) {
    if (master_.is_open()) writer_.write(bytes);
}

net::awaitable<void> pty_endpoint::read_loop(unsigned generation) {
    std::array<char, 4096> buffer{};
    net::steady_timer pause(ex_);
    for (;;) {
        while (!sink_.can_take_more()) {
            pause.expires_after(std::chrono::milliseconds(1));
            co_await pause.async_wait(net::as_tuple(net::use_awaitable));
            if (generation != generation_) co_return;
        }
        auto [ec, n] =
            co_await master_.async_read_some(net::buffer(buffer), net::as_tuple(net::use_awaitable));
        if (generation != generation_) co_return;
        if (ec == net::error::operation_aborted) co_return;
        if (ec) {
            // EIO means no slave is open; we hold one, so this is transient at most.
            spdlog::debug("pty read: {}", ec.message());
            pause.expires_after(std::chrono::milliseconds(10));
            co_await pause.async_wait(net::as_tuple(net::use_awaitable));
            if (generation != generation_) co_return;
            continue;
        }
        sink_.on_bytes(std::string_view(buffer.data(), n));
    }
}

}  // namespace printgate::sim
