#pragma once
// The camera of --demo and of tests: moving colour bars, a bouncing square, the frame counter
// and the wall-clock time drawn with a tiny built-in bitmap font straight into YCbCr 4:2:0
// planes, encoded with TurboJPEG at the configured size and rate. Runs on the hub's executor.
#include <chrono>
#include <cstdint>
#include <memory>
#include <printgate/camera/frame_hub.hpp>
#include <printgate/camera/frame_source.hpp>
#include <printgate/camera/jpeg.hpp>
#include <string>

namespace printgate::camera {

// One picture of the pattern. Empty on bad dimensions.
[[nodiscard]] bytes render_test_pattern(std::uint64_t counter, std::chrono::system_clock::time_point when, int width,
                                        int height, int quality);

struct test_pattern_canvas;

class test_pattern_source final : public frame_source {
public:
    test_pattern_source(std::shared_ptr<frame_hub> hub, const clock& clk, int width, int height, int fps, int quality);
    ~test_pattern_source() override;

    void start() override;
    void stop() override;
    [[nodiscard]] bool running() const override { return run_ != nullptr; }
    [[nodiscard]] std::string last_error() const override { return last_error_; }

private:
    struct run_state;
    std::shared_ptr<frame_hub> hub_;
    const clock& clock_;
    int width_;
    int height_;
    int fps_;
    int quality_;
    std::uint64_t counter_ = 0;
    std::unique_ptr<test_pattern_canvas> canvas_;  // the drawing planes, kept between frames
    std::shared_ptr<run_state> run_;
    std::string last_error_;
};

}  // namespace printgate::camera
