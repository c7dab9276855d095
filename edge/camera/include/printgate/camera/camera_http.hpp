#pragma once
// The /webcam endpoints, served on any byte stream (LAN socket, TLS, tunnel stream). The
// edge's HTTP server reads the request line and headers, checks is_camera_target(), and hands
// the stream over:
//
//   /webcam/stream[?camera=NAME][&fps=N]      multipart/x-mixed-replace, Content-Length per part
//   /webcam/snapshot[?camera=NAME][&scale=2|4|8]  newest camera JPEG (scaled: DCT-scaled re-encode)
//   /webcam/state[?camera=NAME]               JSON: fps in/out, viewers, drops, latency
//   /webcam/?action=stream | ?action=snapshot  mjpg-streamer / µStreamer URL aliases
//   /webcam/providers                          JSON list of cameras
//   /webcam/timelapse                          JSON list of timelapse videos / archives
//   /webcam/timelapse/NAME                     GET download (video/mp4, application/x-tar), DELETE
#include <boost/asio/awaitable.hpp>
#include <printgate/common/any_stream.hpp>
#include <string>
#include <string_view>

namespace printgate::camera {

namespace net = boost::asio;

class camera_service;

struct camera_request {
    std::string method;  // "GET", "HEAD" (and DELETE for a timelapse); anything else gets 405
    std::string target;  // origin-form, e.g. "/webcam/stream?fps=5"
    bool keep_alive = true;
};

// True for "/webcam" and everything under "/webcam/".
[[nodiscard]] bool is_camera_target(std::string_view target);

// Writes the whole response. Returns whether the connection may carry another request
// (false after a stream, which ends by closing, or after any write error).
net::awaitable<bool> serve(camera_service& service, common::any_stream& stream, const camera_request& request);

}  // namespace printgate::camera
