// printgate-edge's tunnel: the connector from tunnel/ with the edge's HTTP application on
// every stream the relay opens.
#include "tunnel_link.hpp"

#include "printgate/edge/control_bridge.hpp"
#include "printgate/edge/edge_app.hpp"
#include "printgate/tunnel/connector.hpp"
#include "printgate/tunnel/pairing.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include <system_error>

namespace printgate::edge {

namespace net = boost::asio;

std::filesystem::path tunnel_dir(const std::filesystem::path& state_dir) { return state_dir / "tunnel"; }

struct tunnel_link::impl {
    std::shared_ptr<tunnel::connector> connector;
    std::shared_ptr<control_bridge> control;
};

tunnel_link::tunnel_link(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}

tunnel_link::~tunnel_link() { stop(); }

void tunnel_link::stop() {
    if (impl_ && impl_->connector) impl_->connector->stop();
}

std::unique_ptr<tunnel_link> tunnel_link::start(net::any_io_executor ex, edge_app& app, tunnel_link_options options,
                                                std::string& why) {
    const auto dir = tunnel_dir(app.config().state_dir);
    std::error_code ec;
    if (!std::filesystem::exists(dir / "relay.json", ec)) {
        why = "not paired with a relay (run `printgate-edge pair CODE` with a code from `printgate-relay device add`)";
        return nullptr;
    }
    auto identity = tunnel::load_edge_identity(dir);
    if (!identity) {
        why = "the pairing in " + dir.string() + " cannot be used: " + identity.message();
        return nullptr;
    }

    tunnel::connector_options o;
    o.state_dir = dir;
    o.version = PRINTGATE_VERSION;
    o.policy.initial = options.backoff_initial;
    o.policy.max = options.backoff_max;
    std::uint64_t streams = 0;
    o.on_stream = [&app, ex, streams](common::any_stream stream) mutable {
        // Identity headers are believed on these streams: only the relay can open them.
        connection_info info{true, "tunnel:" + std::to_string(++streams)};
        net::co_spawn(ex, app.http().serve(std::move(stream), std::move(info)), net::detached);
    };
    const auto relay = identity.value().relay_host + ":" + std::to_string(identity.value().relay_port);
    o.on_state = [relay](bool up) {
        if (up)
            spdlog::info("tunnel to {} is up", relay);
        else
            spdlog::warn("tunnel to {} is down; reconnecting", relay);
    };
    auto state = std::make_unique<impl>();
    state->control = std::make_shared<control_bridge>(app);
    o.on_control_message = [control = state->control](const nlohmann::json& message) { control->on_message(message); };

    state->connector = tunnel::connector::create(ex, std::move(o));
    net::co_spawn(ex, state->connector->run(), net::detached);
    std::unique_ptr<tunnel_link> link(new tunnel_link(std::move(state)));
    link->relay_ = relay;
    link->device_ = identity.value().name;
    return link;
}

}  // namespace printgate::edge
