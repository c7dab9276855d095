#pragma once
// MJPEG over HTTP from an IP camera, an ESP32-CAM, or an existing mjpg-streamer / µStreamer
// URL. Reconnects with exponential backoff (reset by the first picture); a connection that
// stays silent for `read_timeout` is dropped and made again. Runs on the hub's executor.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <printgate/camera/frame_hub.hpp>
#include <printgate/camera/frame_source.hpp>
#include <printgate/camera/multipart_parser.hpp>
#include <printgate/common/any_stream.hpp>
#include <string>
#include <string_view>

namespace printgate::camera {

struct http_url {
    std::string host;
    std::string port = "80";
    std::string target = "/";   // path and query
    std::string authorization;  // "Basic ..." from user:password@, empty when none
};
// http://[user[:password]@]host[:port][/path]; nullopt otherwise (https is not supported:
// cameras on the LAN speak plain HTTP).
[[nodiscard]] std::optional<http_url> parse_http_url(std::string_view url);

struct http_source_options {
    multipart_limits limits{};
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
    std::chrono::milliseconds read_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds backoff_min{std::chrono::milliseconds(500)};
    std::chrono::milliseconds backoff_max{std::chrono::seconds(30)};
};

struct mjpeg_read_result {
    bool connected = false;   // a 200 answer with a usable multipart head came
    bool got_frames = false;  // at least one picture was published
    std::string error;        // why reading ended ("camera ended the stream", ...)
};

// Reads the answer to an MJPEG GET already written on `stream` (a camera's TCP socket, or a
// tunnel stream to an edge's /webcam/stream) and publishes each JPEG part to `hub`, with the
// Huffman tables inserted, until the answer ends, fails, breaks a multipart limit, or stays
// silent for options.read_timeout (the stream is then closed). Parts that are not JPEG are
// skipped. `stopped` is checked after every wait: set it (and close the stream) to end early;
// nothing is published after it is set. `on_connected` is called once the answer's head is
// accepted (before any picture). Runs on the hub's executor.
net::awaitable<mjpeg_read_result> read_mjpeg_response(common::any_stream& stream, std::shared_ptr<frame_hub> hub,
                                                      const clock& clk, const http_source_options& options,
                                                      const bool& stopped,
                                                      const std::function<void()>& on_connected = {});

class http_mjpeg_source final : public frame_source {
public:
    http_mjpeg_source(std::shared_ptr<frame_hub> hub, const clock& clk, std::string url,
                      http_source_options options = {});
    ~http_mjpeg_source() override;

    void start() override;
    void stop() override;
    [[nodiscard]] bool running() const override { return run_ != nullptr; }
    [[nodiscard]] std::string last_error() const override { return last_error_; }

    [[nodiscard]] std::uint64_t connects() const { return connects_; }  // successful ones

private:
    struct run_state;
    net::awaitable<void> run(std::shared_ptr<run_state> run);
    net::awaitable<bool> session(std::shared_ptr<run_state> run, const http_url& url);

    std::shared_ptr<frame_hub> hub_;
    const clock& clock_;
    std::string url_;
    http_source_options options_;
    std::shared_ptr<run_state> run_;
    std::string last_error_;
    std::uint64_t connects_ = 0;
};

}  // namespace printgate::camera
