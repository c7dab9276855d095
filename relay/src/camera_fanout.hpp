#pragma once
// The relay's camera fan-out: exactly one MJPEG stream per device camera crosses the tunnel,
// whatever the number of viewers. A GET (or HEAD) the gate has admitted for
// `/webcam/stream`, `/webcam/snapshot` or their `/webcam/?action=` aliases is answered here
// from a per-(device, camera) camera_service of edge/camera: one hub with a latest-frame
// slot per viewer (a slow viewer skips frames, never delays others; `?fps=N` caps one
// viewer), fed by a camera_tunnel_source. The first viewer opens the tunnel stream; it is
// closed `idle_linger` after the last one leaves. A snapshot is the hub's newest frame while
// the stream runs (fresh), otherwise the stream is woken for one picture and lingers.
// When the device goes offline or its stream ends, every viewer's stream ends cleanly.
//
// `/webcam/state` is answered here too: the edge's own state (asked through the tunnel on a
// stream of its own) with `viewers`, `fps_out`, `frames_out` and `drops` replaced by the
// relay's fan-out figures (the edge sees one viewer, the relay's upstream), the relay's
// figures under "relay" and the edge's answer unchanged under "edge".
//
// Anything else under /webcam (providers, scaled snapshots, unknown parameters) is not
// taken: the proxy forwards it to the edge.
//
// Threading: the relay runs one io_context thread; each hub lives on the executor of the
// connection that created it and every viewer is served there (co_spawn).
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json_fwd.hpp>

#include <printgate/common/any_stream.hpp>

#include "device_directory.hpp"
#include "proxy_deadline.hpp"

namespace printgate::camera {
class camera_service;
}

namespace printgate::relay {

struct camera_fanout_options {
    std::chrono::milliseconds idle_linger{std::chrono::seconds(5)};     // upstream kept after the last viewer
    std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};  // a viewer that stops reading is dropped
    std::chrono::milliseconds read_timeout{std::chrono::seconds(10)};   // a silent upstream is closed
    std::chrono::milliseconds snapshot_timeout{std::chrono::seconds(5)};
    std::chrono::milliseconds state_timeout{std::chrono::seconds(5)};  // asking the edge for its state
    int max_viewers_per_camera = 256;
};

struct camera_request_view {
    std::string_view method;  // "GET" | "HEAD"
    std::string_view target;  // origin-form
    std::string_view device;  // validated DNS label
    std::string_view host;    // validated Host (with port), sent upstream
    bool keep_alive = true;
};

class camera_fanout {
public:
    // SO_SNDBUF of a viewer's connection (the kernel doubles it): a few pictures.
    static constexpr int viewer_send_buffer = 64 * 1024;

    explicit camera_fanout(device_directory& devices, camera_fanout_options options = {});
    ~camera_fanout();
    camera_fanout(const camera_fanout&) = delete;
    camera_fanout& operator=(const camera_fanout&) = delete;

    // Whether serve() answers this request: GET or HEAD, no body, a stream (parameters
    // camera= and fps= only), an unscaled snapshot or the state (camera= only).
    [[nodiscard]] static bool takes(std::string_view method, std::string_view target, bool has_body);
    // Whether the target is a stream (which ends the connection when it ends).
    [[nodiscard]] static bool is_stream(std::string_view target);

    // Writes the whole answer on `browser`. Returns whether the connection may carry another
    // request (false after a stream, which ends by closing). A stream moves `deadline` out
    // of the way: the per-write timeout drops a viewer that stops reading.
    boost::asio::awaitable<bool> serve(common::any_stream& browser, proxy_deadline& deadline,
                                       const camera_request_view& request);

    // (device, camera) pairs whose tunnel stream is open now.
    [[nodiscard]] std::size_t open_upstreams() const;

private:
    std::shared_ptr<camera::camera_service> service_for(const common::any_stream& browser,
                                                        const camera_request_view& request,
                                                        std::string_view camera);
    void sweep();
    boost::asio::awaitable<bool> serve_state(common::any_stream& browser, const camera_request_view& request,
                                             std::string camera);
    // The fan-out's figures for one device camera (zeros when nobody watches through the relay).
    nlohmann::json relay_figures(std::string_view device, std::string_view camera);

    device_directory& devices_;
    camera_fanout_options options_;
    std::map<std::string, std::shared_ptr<camera::camera_service>, std::less<>> cameras_;
};

}  // namespace printgate::relay
