#include "camera_tunnel_source.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace printgate::relay {

// What the running coroutine owns, so that it never needs `this` once stop() has run.
struct camera_tunnel_source::run_state {
    device_directory& devices;
    camera_upstream upstream;
    std::shared_ptr<camera::frame_hub> hub;
    camera::http_source_options options;
    const clock& time;
    common::any_stream stream;
    bool stopped = false;
};

camera_tunnel_source::camera_tunnel_source(device_directory& devices, camera_upstream upstream,
                                           std::shared_ptr<camera::frame_hub> hub,
                                           camera::http_source_options options, const clock& clk)
    : devices_(devices), upstream_(std::move(upstream)), hub_(std::move(hub)), options_(options), clock_(clk) {}

camera_tunnel_source::~camera_tunnel_source() { stop(); }

void camera_tunnel_source::start() {
    if (run_) return;
    run_ = std::shared_ptr<run_state>(new run_state{devices_, upstream_, hub_, options_, clock_, {}, false});
    net::co_spawn(hub_->executor(), run(run_), net::detached);
}

void camera_tunnel_source::stop() {
    if (!run_) return;
    run_->stopped = true;
    run_->stream.close();
    run_.reset();
}

net::awaitable<void> camera_tunnel_source::run(std::shared_ptr<run_state> run) {
    if (run->stopped) co_return;  // stopped before it began: `this` may be gone
    auto& hub = run->hub;
    const auto& up = run->upstream;
    auto [oec, stream] = co_await run->devices.open_stream(up.device);
    if (run->stopped) {  // `this` may be gone: touch nothing but what this frame owns
        stream.close();
        co_return;
    }
    if (oec || !stream) {
        last_error_ = "open a tunnel stream to " + up.device + ": " +
                      (oec ? oec.message() : std::string("no stream"));
        spdlog::info("relay camera {}: {}", up.device, last_error_);
        hub->close();
        co_return;
    }
    ++opens_;
    run->stream = std::move(stream);
    // The relay's own request, shared by every viewer: it carries no viewer's identity.
    const std::string request = "GET " + up.target + " HTTP/1.1\r\nHost: " + up.host +
                                "\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: " + up.host +
                                "\r\nX-Printgate-User: relay-camera-fanout\r\nAccept: multipart/x-mixed-replace\r\n"
                                "Connection: close\r\n\r\n";
    auto [wec, wn] = co_await net::async_write(run->stream, net::buffer(request), net::as_tuple(net::use_awaitable));
    (void)wn;
    if (run->stopped) co_return;
    if (wec) {
        last_error_ = "send the stream request: " + wec.message();
        hub->close();
        co_return;
    }
    auto result = co_await camera::read_mjpeg_response(run->stream, hub, run->time, run->options, run->stopped);
    if (run->stopped) co_return;
    last_error_ = result.error;
    spdlog::info("relay camera {}: upstream ended: {}", up.device, last_error_);
    run->stream.close();
    hub->close();
}

}  // namespace printgate::relay
