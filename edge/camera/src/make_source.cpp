#include <printgate/camera/camera_service.hpp>
#include <printgate/camera/http_mjpeg_source.hpp>
#include <printgate/camera/test_pattern_source.hpp>
#include <printgate/camera/v4l2_source.hpp>

namespace printgate::camera {

std::unique_ptr<frame_source> make_source(const camera_config& config, std::shared_ptr<frame_hub> hub,
                                          const clock& clk) {
    switch (config.kind) {
        case source_kind::http:
            return std::make_unique<http_mjpeg_source>(std::move(hub), clk, config.url);
        case source_kind::v4l2:
            return std::make_unique<v4l2_source>(
                std::move(hub), clk, v4l2_settings{config.device, config.width, config.height, config.fps, 4});
        case source_kind::test_pattern:
            break;
    }
    return std::make_unique<test_pattern_source>(std::move(hub), clk, config.width, config.height, config.fps,
                                                 config.jpeg_quality);
}

}  // namespace printgate::camera
