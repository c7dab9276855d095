#include "printgate/edge/control_bridge.hpp"

#include "command_executor.hpp"
#include "printgate/edge/edge_app.hpp"
#include "printgate/tunnel/control.hpp"

#include <spdlog/spdlog.h>

namespace printgate::edge {

namespace {

bool is_command(const std::string& type) {
    return type == "printer_control" || type == "temperature_control" || type == "movement_control" ||
           type == "camera_control";
}

}  // namespace

void control_bridge::on_message(const nlohmann::json& message) {
    const auto type = message.value("type", "");
    if (type == tunnel::control_opened) {
        opened(tunnel::current_control_channel());
    } else if (type == tunnel::control_closed) {
        closed();
    } else if (is_command(type) && channel_) {
        // Through the same parser as every other input: the size limit and the field checks.
        channel_->send(handle_command_text(
            app_, message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "relay"));
    } else {
        spdlog::debug("control message from the relay: {}", type.empty() ? "?" : type);
    }
}

void control_bridge::opened(std::shared_ptr<tunnel::control_channel> channel) {
    if (!channel) return;
    channel_ = std::move(channel);
    pushes_ = std::make_shared<push_client>(app_.config().websocket_queue);
    pushes_->wants = [](const std::string& topic) { return topic != "terminal"; };
    pushes_->wake = [client = std::weak_ptr<push_client>(pushes_),
                     out = std::weak_ptr<tunnel::control_channel>(channel_)] {
        auto p = client.lock();
        auto c = out.lock();
        if (!p || !c) return;
        // The channel's own queue is bounded too: what does not fit there is dropped.
        while (auto text = p->queue.pop()) c->send_text(std::move(*text));
    };
    app_.hub().add(pushes_);
    // Where things stand now, so the relay never holds a status older than the tunnel.
    auto& printer = app_.printer();
    channel_->send(printer.envelope("status", printer.state_json()));
    channel_->send(printer.envelope("status", printer.temperatures_json()));
    channel_->send(printer.envelope("status", printer.job_json()));
}

void control_bridge::closed() {
    channel_.reset();
    pushes_.reset();
}

}  // namespace printgate::edge
