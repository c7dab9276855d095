#pragma once
// V4L2 capture of the camera's own MJPEG with mmap buffers. Every system call goes through
// v4l2_io, a thin seam, so that format negotiation, buffer cycling and the Huffman-table fix
// are unit-tested against a fake device. No YUYV software encoding: a camera without MJPEG
// is refused with a clear message.
#include <poll.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <printgate/camera/jpeg.hpp>
#include <string>
#include <vector>

namespace printgate::camera {

class v4l2_io {
public:
    virtual ~v4l2_io() = default;
    virtual int open(const char* path, int flags) = 0;
    virtual int close(int fd) = 0;
    virtual int ioctl(int fd, unsigned long request, void* arg) = 0;   // -1 and errno on failure
    virtual void* mmap(std::size_t length, int fd, off_t offset) = 0;  // MAP_FAILED on failure
    virtual int munmap(void* addr, std::size_t length) = 0;
    virtual int poll(pollfd* fds, nfds_t count, int timeout_ms) = 0;
};

// The real system calls.
[[nodiscard]] v4l2_io& system_v4l2_io();

struct v4l2_settings {
    std::string device;  // best a stable /dev/v4l/by-id/usb-...-video-index0 path
    int width = 640;
    int height = 480;
    int fps = 15;
    unsigned buffers = 4;
};

class v4l2_capture {
public:
    explicit v4l2_capture(v4l2_io& io) : io_(io) {}
    ~v4l2_capture() { close(); }
    v4l2_capture(const v4l2_capture&) = delete;
    v4l2_capture& operator=(const v4l2_capture&) = delete;

    // Opens, negotiates MJPEG at the nearest size the driver offers, maps and queues the
    // buffers, starts streaming. Empty on success, otherwise what failed.
    [[nodiscard]] std::string open(const v4l2_settings& settings);
    [[nodiscard]] bool is_open() const { return fd_ >= 0; }

    enum class grab_status { frame, timeout, bad_frame, error };
    // Waits up to timeout_ms for a filled buffer, copies its picture out (with the Huffman
    // tables inserted when the camera omitted them) and queues the buffer again at once.
    grab_status grab(int timeout_ms, bytes& out);
    [[nodiscard]] const std::string& error() const { return error_; }

    // Stops streaming, unmaps, frees the buffers and closes the device. Idempotent.
    void close();

    // What the driver agreed to.
    [[nodiscard]] int width() const { return width_; }
    [[nodiscard]] int height() const { return height_; }
    [[nodiscard]] std::size_t buffer_count() const { return buffers_.size(); }

private:
    struct mapping {
        void* start = nullptr;
        std::size_t length = 0;
    };
    std::string fail(const std::string& what);
    int xioctl(unsigned long request, void* arg);

    v4l2_io& io_;
    int fd_ = -1;
    bool streaming_ = false;
    std::vector<mapping> buffers_;
    int width_ = 0;
    int height_ = 0;
    std::string error_;
};

}  // namespace printgate::camera
