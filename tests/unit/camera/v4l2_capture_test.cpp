// V4L2 capture against a fake device behind the v4l2_io seam: format negotiation (MJPEG at
// the size the driver picks, refusal of YUYV-only cameras), mmap buffer cycling (each buffer
// goes back to the driver right after its copy), the Huffman fix, and a clean close.
#include <gtest/gtest.h>
#include <linux/videodev2.h>
#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <printgate/camera/test_pattern_source.hpp>
#include <printgate/camera/v4l2_capture.hpp>

namespace {

using namespace printgate::camera;

// The pattern without its DHT segments: what many UVC cameras send.
bytes camera_jpeg(std::uint64_t n) {
    auto j = render_test_pattern(n, {}, 320, 240, 80);
    bytes out{j[0], j[1]};
    std::size_t i = 2;
    while (j[i + 1] != 0xda) {
        std::size_t len = (static_cast<std::size_t>(j[i + 2]) << 8) | j[i + 3];
        if (j[i + 1] != 0xc4)
            out.insert(out.end(), j.begin() + static_cast<std::ptrdiff_t>(i),
                       j.begin() + static_cast<std::ptrdiff_t>(i + 2 + len));
        i += 2 + len;
    }
    out.insert(out.end(), j.begin() + static_cast<std::ptrdiff_t>(i), j.end());
    return out;
}

class fake_device final : public v4l2_io {
public:
    // What the "hardware" does.
    bool has_mjpeg = true;
    std::uint32_t native_width = 320, native_height = 240;
    std::uint32_t buffer_size = 256 * 1024;
    unsigned driver_buffers = 3;  // grants this many whatever is asked
    bool fail_mmap = false;

    // What happened.
    bool opened = false;
    bool streaming = false;
    std::uint32_t asked_width = 0, asked_height = 0, asked_format = 0;
    std::uint32_t asked_fps = 0;
    std::vector<std::uint32_t> dequeued, requeued;
    int live_mappings = 0;
    unsigned requested_zero = 0;
    std::uint64_t frames_made = 0;
    bool emit_oversized = false;

    int open(const char* path, int) override {
        if (std::string(path) != "/dev/v4l/by-id/usb-fake-video-index0") {
            errno = ENOENT;
            return -1;
        }
        opened = true;
        return 42;
    }
    int close(int fd) override {
        EXPECT_EQ(fd, 42);
        opened = false;
        return 0;
    }
    void* mmap(std::size_t length, int, off_t offset) override {
        if (fail_mmap) {
            errno = ENOMEM;
            return MAP_FAILED;
        }
        auto index = static_cast<std::size_t>(offset) / buffer_size;
        EXPECT_EQ(length, buffer_size);
        ++live_mappings;
        return memory[index].data();
    }
    int munmap(void*, std::size_t) override {
        --live_mappings;
        return 0;
    }
    int poll(pollfd* fds, nfds_t, int) override {
        fds[0].revents = (streaming && !queue.empty()) ? POLLIN : 0;
        return fds[0].revents ? 1 : 0;
    }
    int ioctl(int, unsigned long request, void* arg) override {
        switch (request) {
            case VIDIOC_QUERYCAP: {
                auto* cap = static_cast<v4l2_capability*>(arg);
                cap->capabilities = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING | V4L2_CAP_DEVICE_CAPS;
                cap->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
                return 0;
            }
            case VIDIOC_S_FMT: {
                auto* f = static_cast<v4l2_format*>(arg);
                asked_width = f->fmt.pix.width;
                asked_height = f->fmt.pix.height;
                asked_format = f->fmt.pix.pixelformat;
                f->fmt.pix.width = native_width;  // the driver picks its nearest size
                f->fmt.pix.height = native_height;
                if (!has_mjpeg) f->fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
                return 0;
            }
            case VIDIOC_S_PARM:
                asked_fps = static_cast<v4l2_streamparm*>(arg)->parm.capture.timeperframe.denominator;
                return 0;
            case VIDIOC_REQBUFS: {
                auto* r = static_cast<v4l2_requestbuffers*>(arg);
                if (r->count == 0) {
                    ++requested_zero;
                    return 0;
                }
                r->count = driver_buffers;
                memory.assign(driver_buffers, bytes(buffer_size));
                return 0;
            }
            case VIDIOC_QUERYBUF: {
                auto* b = static_cast<v4l2_buffer*>(arg);
                b->length = buffer_size;
                b->m.offset = b->index * buffer_size;
                return 0;
            }
            case VIDIOC_QBUF: {
                auto* b = static_cast<v4l2_buffer*>(arg);
                if (streaming) requeued.push_back(b->index);
                queue.push_back(b->index);
                return 0;
            }
            case VIDIOC_DQBUF: {
                if (queue.empty()) {
                    errno = EAGAIN;
                    return -1;
                }
                auto* b = static_cast<v4l2_buffer*>(arg);
                b->index = queue.front();
                queue.pop_front();
                auto pic = camera_jpeg(++frames_made);
                std::memcpy(memory[b->index].data(), pic.data(), pic.size());
                b->bytesused = emit_oversized ? buffer_size + 1 : static_cast<std::uint32_t>(pic.size());
                dequeued.push_back(b->index);
                return 0;
            }
            case VIDIOC_STREAMON:
                streaming = true;
                return 0;
            case VIDIOC_STREAMOFF:
                streaming = false;
                return 0;
            default:
                errno = EINVAL;
                return -1;
        }
    }

private:
    std::vector<bytes> memory;
    std::deque<std::uint32_t> queue;
};

const v4l2_settings settings{"/dev/v4l/by-id/usb-fake-video-index0", 1280, 720, 30, 4};

TEST(v4l2_capture, negotiates_mjpeg_and_takes_the_drivers_size) {
    fake_device dev;
    v4l2_capture cap(dev);
    ASSERT_EQ(cap.open(settings), "");
    EXPECT_EQ(dev.asked_format, V4L2_PIX_FMT_MJPEG);
    EXPECT_EQ(dev.asked_width, 1280u);
    EXPECT_EQ(dev.asked_height, 720u);
    EXPECT_EQ(dev.asked_fps, 30u);
    EXPECT_EQ(cap.width(), 320);
    EXPECT_EQ(cap.height(), 240);
    EXPECT_EQ(cap.buffer_count(), 3u);
    EXPECT_TRUE(dev.streaming);
    EXPECT_EQ(dev.live_mappings, 3);
}

TEST(v4l2_capture, cycles_every_buffer_back_to_the_driver_and_fixes_huffman_tables) {
    fake_device dev;
    v4l2_capture cap(dev);
    ASSERT_EQ(cap.open(settings), "");
    for (int i = 0; i < 7; ++i) {
        bytes out;
        ASSERT_EQ(cap.grab(100, out), v4l2_capture::grab_status::frame);
        EXPECT_EQ(has_huffman_tables(out), true);
        auto size = jpeg_dimensions(out);
        ASSERT_TRUE(size);
        EXPECT_EQ(size->width, 320);
    }
    EXPECT_EQ(dev.dequeued, (std::vector<std::uint32_t>{0, 1, 2, 0, 1, 2, 0}));
    EXPECT_EQ(dev.requeued, dev.dequeued);
}

TEST(v4l2_capture, closes_everything_it_opened) {
    fake_device dev;
    {
        v4l2_capture cap(dev);
        ASSERT_EQ(cap.open(settings), "");
        bytes out;
        cap.grab(100, out);
    }
    EXPECT_FALSE(dev.streaming);
    EXPECT_FALSE(dev.opened);
    EXPECT_EQ(dev.live_mappings, 0);
    EXPECT_EQ(dev.requested_zero, 1u);
}

TEST(v4l2_capture, refuses_a_camera_without_mjpeg) {
    fake_device dev;
    dev.has_mjpeg = false;
    v4l2_capture cap(dev);
    auto e = cap.open(settings);
    EXPECT_NE(e.find("no MJPEG"), std::string::npos) << e;
    EXPECT_FALSE(cap.is_open());
    EXPECT_FALSE(dev.opened);
}

TEST(v4l2_capture, reports_a_missing_device_and_a_failed_mapping) {
    fake_device dev;
    v4l2_capture cap(dev);
    auto s = settings;
    s.device = "/dev/v4l/by-id/usb-other-video-index0";
    EXPECT_NE(cap.open(s).find("open /dev/v4l/by-id/usb-other"), std::string::npos);
    dev.fail_mmap = true;
    EXPECT_NE(cap.open(settings).find("map buffer"), std::string::npos);
    EXPECT_FALSE(dev.opened);
    EXPECT_EQ(dev.live_mappings, 0);
}

TEST(v4l2_capture, a_buffer_claiming_more_bytes_than_it_has_is_skipped_and_requeued) {
    fake_device dev;
    dev.emit_oversized = true;
    v4l2_capture cap(dev);
    ASSERT_EQ(cap.open(settings), "");
    bytes out;
    EXPECT_EQ(cap.grab(100, out), v4l2_capture::grab_status::bad_frame);
    EXPECT_EQ(dev.requeued, dev.dequeued);
}

TEST(v4l2_capture, grab_after_close_is_an_error) {
    fake_device dev;
    dev.driver_buffers = 2;
    v4l2_capture cap(dev);
    ASSERT_EQ(cap.open(settings), "");
    cap.close();
    bytes out;
    EXPECT_EQ(cap.grab(1, out), v4l2_capture::grab_status::error);
}

}  // namespace
