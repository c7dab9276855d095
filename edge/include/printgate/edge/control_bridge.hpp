#pragma once
// The command protocol on the tunnel's control stream (tunnel/control.hpp), the edge's side:
// status pushes and events go to the relay (every push topic but terminal lines, through a
// bounded push queue like a WebSocket client's), and commands from the relay run through the
// same parser and executor as the WebSocket's, each answered with one reply.
#include <nlohmann/json.hpp>

#include <memory>

namespace printgate::tunnel {
class control_channel;
}

namespace printgate::edge {

class edge_app;
struct push_client;

class control_bridge {
public:
    explicit control_bridge(edge_app& app) : app_(app) {}

    // Every message run_edge_control hands on, including its local control_opened and
    // control_closed notices.
    void on_message(const nlohmann::json& message);
    // The control stream is up (on_message calls it for control_opened): sends the current
    // state, temperatures and job, then every push as it happens.
    void opened(std::shared_ptr<tunnel::control_channel> channel);
    void closed();

private:
    edge_app& app_;
    std::shared_ptr<tunnel::control_channel> channel_;
    std::shared_ptr<push_client> pushes_;
};

}  // namespace printgate::edge
