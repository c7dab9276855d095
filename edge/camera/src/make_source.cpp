#include <printgate/camera/camera_service.hpp>
#include <printgate/camera/test_pattern_source.hpp>

namespace printgate::camera {

std::unique_ptr<frame_source> make_source(const camera_config& config,
                                          std::shared_ptr<frame_hub> hub, const clock& clk) {
    switch (config.kind) {
    case source_kind::test_pattern:
    case source_kind::http:
    case source_kind::v4l2:
        break;
    }
    return std::make_unique<test_pattern_source>(std::move(hub), clk, config.width, config.height,
                                                 config.fps, config.jpeg_quality);
}

}  // namespace printgate::camera
