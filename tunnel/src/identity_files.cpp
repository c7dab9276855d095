#include "printgate/tunnel/identity_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace printgate::tunnel {
namespace {

std::string errno_text(std::string_view what, const std::filesystem::path& file) {
    return std::string(what) + " " + file.string() + ": " + std::strerror(errno);
}

}  // namespace

identity_result<void> write_file_atomic(const std::filesystem::path& file, std::string_view content, mode_t mode) {
    auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
    auto temp = dir / ("." + file.filename().string() + ".tmp-" + std::to_string(::getpid()));
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return identity_error{errno_text("cannot create", temp)};
    // The umask may have cleared bits we asked for, and O_EXCL guarantees the file is ours.
    bool ok = ::fchmod(fd, mode) == 0;
    std::size_t done = 0;
    while (ok && done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ok = false;
        else done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    std::string error = ok ? std::string() : errno_text("cannot write", temp);
    ::close(fd);
    if (ok && ::rename(temp.c_str(), file.c_str()) != 0) {
        ok = false;
        error = errno_text("cannot rename onto", file);
    }
    if (!ok) {
        ::unlink(temp.c_str());
        return identity_error{error};
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

identity_result<std::string> read_small_file(const std::filesystem::path& file, std::size_t limit) {
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    if (ec) return identity_error{"cannot read " + file.string() + ": " + ec.message()};
    if (size > limit) return identity_error{file.string() + " is too large"};
    std::ifstream in(file, std::ios::binary);
    if (!in) return identity_error{"cannot open " + file.string()};
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > limit) return identity_error{file.string() + " is too large"};
    return text;
}

}  // namespace printgate::tunnel
