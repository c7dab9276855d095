#pragma once
// The G-code files folder. Every path a client names is relative to it, made of plain
// names (no "..", no empty or hidden components, no control characters), so nothing outside
// the folder can be read, written or deleted through the API. Uploads are written to a hidden
// temporary file, fsynced and renamed into place: a failed upload leaves nothing.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace printgate::edge {

struct file_entry {
    std::string path;  // relative, '/'-separated
    bool folder = false;
    std::uint64_t size = 0;
    std::int64_t modified = 0;  // unix seconds
};

// A file being received: a temporary name until commit().
class upload_file {
public:
    // Creates ".upload-XXXXXX" in `dir`.
    static std::unique_ptr<upload_file> create(const std::filesystem::path& dir, std::error_code& ec);
    ~upload_file();  // removes the temporary file unless committed
    upload_file(const upload_file&) = delete;
    upload_file& operator=(const upload_file&) = delete;

    bool write(std::span<const char> bytes, std::error_code& ec);
    // fsync, rename to `target` (refusing to replace a folder), fsync the folder.
    bool commit(const std::filesystem::path& target, std::error_code& ec);
    std::uint64_t size() const { return size_; }

private:
    upload_file(int fd, std::filesystem::path temp) : fd_(fd), temp_(std::move(temp)) {}
    int fd_;
    std::filesystem::path temp_;
    std::uint64_t size_ = 0;
    bool committed_ = false;
};

class file_store {
public:
    explicit file_store(std::filesystem::path root);
    const std::filesystem::path& root() const { return root_; }

    // A client's relative path, checked; nullopt with `why` when it is not acceptable.
    // An empty path is the root itself (only when `allow_root`).
    std::optional<std::filesystem::path> resolve(std::string_view relative, std::string& why,
                                                 bool allow_root = false) const;
    static bool valid_name(std::string_view name);
    static bool is_gcode_name(std::string_view name);  // .gcode, .gco, .g (any case)

    std::vector<file_entry> list() const;  // recursive, at most 10,000 entries
    bool make_folder(std::string_view relative, std::string& why) const;
    bool remove(std::string_view relative, std::string& why) const;
    bool move(std::string_view from, std::string_view to, std::string& why) const;

private:
    std::filesystem::path root_;
};

}  // namespace printgate::edge
