#pragma once
// Files that must never be seen half-written or with loose permissions: written to a
// temporary name in the same directory (created with the final mode), fsynced, renamed,
// and the directory fsynced.
#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "printgate/tunnel/identity_result.hpp"

namespace printgate::tunnel {

identity_result<void> write_file_atomic(const std::filesystem::path& file, std::string_view content, mode_t mode);
// Secret material: mode 0600.
inline identity_result<void> write_secret_file(const std::filesystem::path& file, std::string_view content) {
    return write_file_atomic(file, content, 0600);
}
// Reads a whole file of at most `limit` bytes.
identity_result<std::string> read_small_file(const std::filesystem::path& file, std::size_t limit = 1 << 20);

}  // namespace printgate::tunnel
