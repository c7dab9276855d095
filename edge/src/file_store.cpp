#include "printgate/edge/file_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace printgate::edge {

namespace fs = std::filesystem;

namespace {

bool fsync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

std::unique_ptr<upload_file> upload_file::create(const fs::path& dir, std::error_code& ec) {
    std::string pattern = (dir / ".upload-XXXXXX").string();
    const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) {
        ec = std::error_code(errno, std::generic_category());
        return nullptr;
    }
    ::fchmod(fd, 0644);
    return std::unique_ptr<upload_file>(new upload_file(fd, pattern));
}

upload_file::~upload_file() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
}

bool upload_file::write(std::span<const char> bytes, std::error_code& ec) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            ec = std::error_code(errno, std::generic_category());
            return false;
        }
        bytes = bytes.subspan(static_cast<std::size_t>(n));
        size_ += static_cast<std::uint64_t>(n);
    }
    return true;
}

bool upload_file::commit(const fs::path& target, std::error_code& ec) {
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
        ec = std::error_code(errno, std::generic_category());
        fd_ = -1;
        return false;
    }
    fd_ = -1;
    if (fs::is_directory(target, ec)) {
        ec = std::make_error_code(std::errc::is_a_directory);
        return false;
    }
    if (::rename(temp_.c_str(), target.c_str()) != 0) {
        ec = std::error_code(errno, std::generic_category());
        return false;
    }
    committed_ = true;
    fsync_dir(target.parent_path());
    ec.clear();
    return true;
}

file_store::file_store(fs::path root) : root_(std::move(root)) {
    std::error_code ec;
    fs::create_directories(root_, ec);
}

bool file_store::valid_name(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '.' || name == "..") return false;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '/' || c == '\\') return false;
    }
    return true;
}

bool file_store::is_gcode_name(std::string_view name) {
    for (std::string_view ext : {".gcode", ".gco", ".g"}) {
        if (name.size() <= ext.size()) continue;
        const auto tail = name.substr(name.size() - ext.size());
        if (std::equal(tail.begin(), tail.end(), ext.begin(), ext.end(),
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
            return true;
    }
    return false;
}

std::optional<fs::path> file_store::resolve(std::string_view relative, std::string& why, bool allow_root) const {
    if (relative.size() > 1024) {
        why = "the path is too long";
        return std::nullopt;
    }
    while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
    while (!relative.empty() && relative.back() == '/') relative.remove_suffix(1);
    if (relative.empty()) {
        if (allow_root) return root_;
        why = "the path is empty";
        return std::nullopt;
    }
    fs::path out = root_;
    int depth = 0;
    while (!relative.empty()) {
        auto slash = relative.find('/');
        auto part = relative.substr(0, slash);
        if (!valid_name(part)) {
            why = "'" + std::string(part) + "' is not an acceptable file or folder name";
            return std::nullopt;
        }
        if (++depth > 16) {
            why = "folders are nested too deep";
            return std::nullopt;
        }
        out /= std::string(part);
        relative = slash == std::string_view::npos ? std::string_view{} : relative.substr(slash + 1);
    }
    return out;
}

std::vector<file_entry> file_store::list() const {
    std::vector<file_entry> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(root_, fs::directory_options::none, ec), end;
    for (; !ec && it != end && out.size() < 10'000; it.increment(ec)) {
        const auto name = it->path().filename().string();
        if (!valid_name(name)) {
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        if (it.depth() >= 16) it.disable_recursion_pending();
        file_entry e;
        e.path = fs::relative(it->path(), root_, ec).generic_string();
        e.folder = it->is_directory(ec);
        struct stat st{};
        if (::stat(it->path().c_str(), &st) == 0) {
            e.size = e.folder ? 0 : static_cast<std::uint64_t>(st.st_size);
            e.modified = st.st_mtime;
        }
        if (!e.folder && !it->is_regular_file(ec)) continue;
        out.push_back(std::move(e));
    }
    return out;
}

bool file_store::make_folder(std::string_view relative, std::string& why) const {
    auto p = resolve(relative, why);
    if (!p) return false;
    std::error_code ec;
    if (fs::exists(*p, ec)) {
        why = "it already exists";
        return false;
    }
    if (!fs::create_directories(*p, ec)) {
        why = "cannot create the folder: " + ec.message();
        return false;
    }
    return true;
}

bool file_store::remove(std::string_view relative, std::string& why) const {
    auto p = resolve(relative, why);
    if (!p) return false;
    std::error_code ec;
    if (!fs::exists(*p, ec)) {
        why = "no such file or folder";
        return false;
    }
    fs::remove_all(*p, ec);
    if (ec) {
        why = "cannot delete: " + ec.message();
        return false;
    }
    return true;
}

bool file_store::move(std::string_view from, std::string_view to, std::string& why) const {
    auto a = resolve(from, why);
    if (!a) return false;
    auto b = resolve(to, why);
    if (!b) return false;
    std::error_code ec;
    if (!fs::exists(*a, ec)) {
        why = "no such file or folder";
        return false;
    }
    if (fs::exists(*b, ec)) {
        why = "the destination already exists";
        return false;
    }
    if (!fs::is_directory(b->parent_path(), ec)) {
        why = "the destination folder does not exist";
        return false;
    }
    if (b->string().rfind(a->string() + "/", 0) == 0) {
        why = "a folder cannot move into itself";
        return false;
    }
    fs::rename(*a, *b, ec);
    if (ec) {
        why = "cannot move: " + ec.message();
        return false;
    }
    return true;
}

}  // namespace printgate::edge
