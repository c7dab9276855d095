#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <printgate/camera/v4l2_capture.hpp>

namespace printgate::camera {

namespace {

class system_io final : public v4l2_io {
public:
    int open(const char* path, int flags) override { return ::open(path, flags); }
    int close(int fd) override { return ::close(fd); }
    int ioctl(int fd, unsigned long request, void* arg) override { return ::ioctl(fd, request, arg); }
    void* mmap(std::size_t length, int fd, off_t offset) override {
        return ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
    }
    int munmap(void* addr, std::size_t length) override { return ::munmap(addr, length); }
    int poll(pollfd* fds, nfds_t count, int timeout_ms) override { return ::poll(fds, count, timeout_ms); }
};

}  // namespace

v4l2_io& system_v4l2_io() {
    static system_io io;
    return io;
}

int v4l2_capture::xioctl(unsigned long request, void* arg) {
    int r;
    do {
        r = io_.ioctl(fd_, request, arg);
    } while (r == -1 && errno == EINTR);
    return r;
}

std::string v4l2_capture::fail(const std::string& what) {
    error_ = what;
    close();
    return error_;
}

std::string v4l2_capture::open(const v4l2_settings& s) {
    close();
    error_.clear();
    fd_ = io_.open(s.device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) {
        fd_ = -1;
        return fail("open " + s.device + ": " + std::strerror(errno));
    }
    v4l2_capability cap{};
    if (xioctl(VIDIOC_QUERYCAP, &cap) < 0) return fail(s.device + " is not a V4L2 device");
    std::uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) return fail(s.device + " cannot capture video (a metadata node?)");
    if (!(caps & V4L2_CAP_STREAMING)) return fail(s.device + " cannot stream with mmap buffers");

    v4l2_format fmt{};
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    fmt.fmt.pix.width = static_cast<std::uint32_t>(s.width);
    fmt.fmt.pix.height = static_cast<std::uint32_t>(s.height);
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_MJPEG;
    fmt.fmt.pix.field = V4L2_FIELD_ANY;
    if (xioctl(VIDIOC_S_FMT, &fmt) < 0) return fail(std::string("set format: ") + std::strerror(errno));
    // The driver answers with what it will really do: another size, or another format.
    if (fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_MJPEG && fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_JPEG)
        return fail(s.device + " offers no MJPEG (YUYV encoding on the Pi is not enabled)");
    width_ = static_cast<int>(fmt.fmt.pix.width);
    height_ = static_cast<int>(fmt.fmt.pix.height);

    v4l2_streamparm parm{};
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    parm.parm.capture.timeperframe.numerator = 1;
    parm.parm.capture.timeperframe.denominator = static_cast<std::uint32_t>(s.fps > 0 ? s.fps : 15);
    (void)xioctl(VIDIOC_S_PARM, &parm);  // not every driver can set a rate: keep its own

    v4l2_requestbuffers req{};
    req.count = s.buffers < 2 ? 2 : (s.buffers > 16 ? 16 : s.buffers);
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (xioctl(VIDIOC_REQBUFS, &req) < 0) return fail(std::string("request buffers: ") + std::strerror(errno));
    if (req.count < 2) return fail("the driver gave fewer than 2 buffers");
    buffers_.resize(req.count);
    for (std::uint32_t i = 0; i < req.count; ++i) {
        v4l2_buffer buf{};
        buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        buf.memory = V4L2_MEMORY_MMAP;
        buf.index = i;
        if (xioctl(VIDIOC_QUERYBUF, &buf) < 0) return fail(std::string("query buffer: ") + std::strerror(errno));
        void* p = io_.mmap(buf.length, fd_, static_cast<off_t>(buf.m.offset));
        if (p == MAP_FAILED) return fail(std::string("map buffer: ") + std::strerror(errno));
        buffers_[i] = {p, buf.length};
        if (xioctl(VIDIOC_QBUF, &buf) < 0) return fail(std::string("queue buffer: ") + std::strerror(errno));
    }
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(VIDIOC_STREAMON, &type) < 0) return fail(std::string("start streaming: ") + std::strerror(errno));
    streaming_ = true;
    return {};
}

v4l2_capture::grab_status v4l2_capture::grab(int timeout_ms, bytes& out) {
    if (fd_ < 0) {
        error_ = "device not open";
        return grab_status::error;
    }
    pollfd p{fd_, POLLIN, 0};
    int r = io_.poll(&p, 1, timeout_ms);
    if (r < 0) {
        if (errno == EINTR) return grab_status::timeout;
        error_ = std::string("poll: ") + std::strerror(errno);
        return grab_status::error;
    }
    if (r == 0) return grab_status::timeout;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
        error_ = "the camera went away";
        return grab_status::error;
    }
    v4l2_buffer buf{};
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    if (xioctl(VIDIOC_DQBUF, &buf) < 0) {
        if (errno == EAGAIN) return grab_status::timeout;
        error_ = std::string("dequeue: ") + std::strerror(errno);
        return grab_status::error;
    }
    grab_status status = grab_status::bad_frame;
    if (buf.index < buffers_.size() && !(buf.flags & V4L2_BUF_FLAG_ERROR)) {
        const auto& m = buffers_[buf.index];
        std::size_t used = buf.bytesused <= m.length ? buf.bytesused : 0;
        auto picture = std::span(static_cast<const std::uint8_t*>(m.start), used);
        out = with_huffman_tables(picture);
        if (!out.empty()) status = grab_status::frame;
    }
    // Back to the driver at once: the copy above is all we keep.
    if (buf.index < buffers_.size() && xioctl(VIDIOC_QBUF, &buf) < 0) {
        error_ = std::string("queue buffer: ") + std::strerror(errno);
        return grab_status::error;
    }
    return status;
}

void v4l2_capture::close() {
    if (fd_ < 0) return;
    if (streaming_) {
        int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        (void)xioctl(VIDIOC_STREAMOFF, &type);
        streaming_ = false;
    }
    for (auto& m : buffers_)
        if (m.start) io_.munmap(m.start, m.length);
    if (!buffers_.empty()) {
        v4l2_requestbuffers req{};
        req.count = 0;
        req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        req.memory = V4L2_MEMORY_MMAP;
        (void)xioctl(VIDIOC_REQBUFS, &req);
    }
    buffers_.clear();
    io_.close(fd_);
    fd_ = -1;
}

}  // namespace printgate::camera
