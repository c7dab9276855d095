#include "printgate/auth/secret_box_key.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sodium.hpp"

namespace printgate::auth {
namespace {

error io_error(const std::filesystem::path& path, std::string_view what) {
    return error{errc::io, "key file " + path.string() + ": " + std::string(what) + ": " + std::strerror(errno)};
}

class fd_guard {
public:
    explicit fd_guard(int fd) : fd_(fd) {}
    ~fd_guard() {
        if (fd_ >= 0) ::close(fd_);
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

result<secret_bytes> read_key(const std::filesystem::path& path) {
    fd_guard fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ELOOP) return error{errc::permission, "key file " + path.string() + " is a symbolic link"};
        return io_error(path, "cannot open");
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) return io_error(path, "cannot stat");
    if (!S_ISREG(st.st_mode)) return error{errc::permission, "key file " + path.string() + " is not a regular file"};
    if ((st.st_mode & 077) != 0)
        return error{errc::permission, "key file " + path.string() +
                                           " may be read by group or others; run: chmod 600 " + path.string()};
    if (st.st_uid != ::geteuid())
        return error{errc::permission, "key file " + path.string() + " belongs to another user"};
    if (st.st_size != static_cast<off_t>(secret_box_key::key_length))
        return error{errc::malformed, "key file " + path.string() + " must hold exactly 32 bytes"};
    secret_bytes key(secret_box_key::key_length);
    std::size_t got = 0;
    while (got < key.size()) {
        ssize_t n = ::read(fd.get(), key.data() + got, key.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return io_error(path, "cannot read");
        got += static_cast<std::size_t>(n);
    }
    return key;
}

}  // namespace

result<secret_box_key> secret_box_key::load_or_create(const std::filesystem::path& path, random_source& random) {
    detail::ensure_sodium();
    std::error_code ec;
    if (std::filesystem::symlink_status(path, ec).type() == std::filesystem::file_type::not_found) {
        // Written in full to a private temporary file, then linked into place: a crash
        // never leaves a short key file behind, and link() fails if another process got
        // there first, in which case its key is the one to use.
        std::string tmp = path.string() + ".tmp-XXXXXX";
        fd_guard fd(::mkstemp(tmp.data()));
        if (fd.get() < 0) return io_error(path, "cannot create");
        struct unlinker {
            const std::string& name;
            ~unlinker() { ::unlink(name.c_str()); }
        } remove_tmp{tmp};
        if (::fchmod(fd.get(), 0600) != 0) return io_error(path, "cannot set mode 0600");
        secret_bytes key(key_length);
        random.fill(key.span());
        std::size_t put = 0;
        while (put < key.size()) {
            ssize_t n = ::write(fd.get(), key.data() + put, key.size() - put);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return io_error(path, "cannot write");
            put += static_cast<std::size_t>(n);
        }
        if (::fsync(fd.get()) != 0) return io_error(path, "cannot fsync");
        if (::link(tmp.c_str(), path.c_str()) == 0) return secret_box_key(std::move(key));
        if (errno != EEXIST) return io_error(path, "cannot create");
    }
    auto key = read_key(path);
    if (!key) return key.err();
    return secret_box_key(std::move(key.value()));
}

secret_box_key secret_box_key::from_bytes(std::span<const std::uint8_t, key_length> bytes) {
    detail::ensure_sodium();
    return secret_box_key(secret_bytes(bytes));
}

std::vector<std::uint8_t> secret_box_key::seal(std::span<const std::uint8_t> plaintext, random_source& random) const {
    std::vector<std::uint8_t> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
    random.fill(std::span(out.data(), crypto_secretbox_NONCEBYTES));
    crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES, plaintext.data(), plaintext.size(), out.data(),
                          key_.data());
    return out;
}

result<secret_bytes> secret_box_key::open(std::span<const std::uint8_t> sealed) const {
    if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return error{errc::malformed, "sealed secret is too short"};
    secret_bytes plain(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES);
    if (crypto_secretbox_open_easy(plain.data(), sealed.data() + crypto_secretbox_NONCEBYTES,
                                   sealed.size() - crypto_secretbox_NONCEBYTES, sealed.data(), key_.data()) != 0)
        return error{errc::wrong_secret, "sealed secret does not open with this key (altered, or another key file)"};
    return plain;
}

secret_bytes secret_box_key::derive(std::uint64_t subkey_id, std::string_view context) const {
    if (context.size() != crypto_kdf_CONTEXTBYTES) throw std::invalid_argument("kdf context must be 8 characters");
    secret_bytes sub(crypto_kdf_KEYBYTES);
    crypto_kdf_derive_from_key(sub.data(), sub.size(), subkey_id, context.data(), key_.data());
    return sub;
}

}  // namespace printgate::auth
