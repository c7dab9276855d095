#pragma once
// A producer of frames into a frame_hub. A source works only between start() and stop():
// the camera starts it when somebody watches (or a timelapse needs a frame) and stops it
// when nobody does, which closes the device or connection.
#include <string>

namespace printgate::camera {

class frame_source {
public:
    virtual ~frame_source() = default;
    // Idempotent. Returns at once; frames arrive on the hub's executor.
    virtual void start() = 0;
    // Idempotent. Closes the device or connection; no frame is published after it returns
    // (a V4L2 capture thread is joined).
    virtual void stop() = 0;
    [[nodiscard]] virtual bool running() const = 0;
    // The newest failure ("connect: Connection refused"), empty when none.
    [[nodiscard]] virtual std::string last_error() const = 0;
};

}  // namespace printgate::camera
