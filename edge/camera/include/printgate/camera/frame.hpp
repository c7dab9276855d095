#pragma once
// One camera picture as it travels from a source to every viewer: immutable once published,
// shared by pointer (never copied per viewer), numbered by the hub that published it, and
// carrying its own timestamps so that /webcam/state can report real latencies.
#include <cstdint>
#include <memory>
#include <printgate/common/clock.hpp>
#include <vector>

namespace printgate::camera {

struct frame {
    std::uint64_t number = 0;         // set by frame_hub::publish: 1, 2, 3 ... per hub
    clock::time_point grab_time{};    // the source got the picture (device dequeue, part read)
    clock::time_point encode_time{};  // JPEG bytes ready (== grab_time for camera MJPEG)
    clock::time_point expose_time{};  // set by frame_hub::publish: handed to viewers
    int width = 0;                    // 0 when the source does not know (HTTP MJPEG)
    int height = 0;
    std::vector<std::uint8_t> jpeg;  // complete JPEG file (SOI .. EOI)
};

using frame_ptr = std::shared_ptr<const frame>;

}  // namespace printgate::camera
