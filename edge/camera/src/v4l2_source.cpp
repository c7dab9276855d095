#include <spdlog/spdlog.h>

#include <printgate/camera/v4l2_source.hpp>

namespace printgate::camera {

v4l2_source::v4l2_source(std::shared_ptr<frame_hub> hub, const clock& clk, v4l2_settings settings, v4l2_io& io,
                         std::chrono::milliseconds retry)
    : hub_(hub), clock_(clk), settings_(std::move(settings)), io_(io), retry_(retry) {}

v4l2_source::~v4l2_source() {
    stop();
}

void v4l2_source::start() {
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] { loop(); });
}

void v4l2_source::stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
}

std::string v4l2_source::last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

void v4l2_source::set_error(std::string e) {
    std::lock_guard lock(mutex_);
    if (e != last_error_ && !e.empty()) spdlog::warn("camera {}: {}", settings_.device, e);
    last_error_ = std::move(e);
}

void v4l2_source::loop() {
    v4l2_capture capture(io_);
    constexpr int poll_ms = 200;  // how quickly stop() is noticed
    while (!stop_) {
        if (!capture.is_open()) {
            if (auto e = capture.open(settings_); !e.empty()) {
                set_error(e);
                for (auto waited = std::chrono::milliseconds(0); waited < retry_ && !stop_;
                     waited += std::chrono::milliseconds(poll_ms))
                    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
                continue;
            }
            set_error({});
        }
        bytes picture;
        switch (capture.grab(poll_ms, picture)) {
            case v4l2_capture::grab_status::frame: {
                frame f;
                f.grab_time = clock_.now();
                f.encode_time = f.grab_time;
                f.width = capture.width();
                f.height = capture.height();
                f.jpeg = std::move(picture);
                frame_hub::publish_from_any_thread(hub_, std::move(f));
                break;
            }
            case v4l2_capture::grab_status::timeout:
            case v4l2_capture::grab_status::bad_frame:
                break;
            case v4l2_capture::grab_status::error:
                set_error(capture.error());
                capture.close();
                break;
        }
    }
    capture.close();
}

}  // namespace printgate::camera
