#pragma once
// A V4L2 camera as a frame_source: a capture thread (blocking poll with a short timeout)
// that hands each picture to the hub's executor. The device is open only between start()
// and stop(); when it fails or vanishes the thread retries every `retry` until stopped.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <printgate/camera/frame_hub.hpp>
#include <printgate/camera/frame_source.hpp>
#include <printgate/camera/v4l2_capture.hpp>
#include <string>
#include <thread>

namespace printgate::camera {

class v4l2_source final : public frame_source {
public:
    v4l2_source(std::shared_ptr<frame_hub> hub, const clock& clk, v4l2_settings settings,
                v4l2_io& io = system_v4l2_io(), std::chrono::milliseconds retry = std::chrono::seconds(2));
    ~v4l2_source() override;

    void start() override;
    void stop() override;
    [[nodiscard]] bool running() const override { return thread_.joinable(); }
    [[nodiscard]] std::string last_error() const override;

private:
    void loop();
    void set_error(std::string e);

    std::weak_ptr<frame_hub> hub_;
    const clock& clock_;
    v4l2_settings settings_;
    v4l2_io& io_;
    std::chrono::milliseconds retry_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    std::string last_error_;
};

}  // namespace printgate::camera
