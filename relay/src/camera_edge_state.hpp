#pragma once
// The edge's own /webcam/state, asked through the device's tunnel on a stream of its own, for
// the relay's /webcam/state (camera_fanout): the edge knows its camera (rate in, picture,
// latency, errors), the relay knows the people watching through it.
//
// Threading: on the caller's executor (the relay runs one io_context thread).
#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "device_directory.hpp"

namespace printgate::relay {

struct edge_camera_answer {
    int status = 0;     // the edge's HTTP status; 0 when it could not be asked
    std::string type;   // its Content-Type
    std::string body;   // at most 64 KiB
    std::string error;  // why there is no answer (status 0)
};

// GET `target` ("/webcam/state[?camera=NAME]") from `device`, with `host` as Host. The whole
// exchange is bounded by `timeout`.
net::awaitable<edge_camera_answer> ask_edge_camera_state(device_directory& devices, std::string_view device,
                                                         std::string_view host, std::string_view target,
                                                         std::chrono::milliseconds timeout);

}  // namespace printgate::relay
