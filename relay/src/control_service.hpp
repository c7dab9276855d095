#pragma once
// The relay's end of a device's control stream (tunnel/control.hpp): answers hello with
// welcome, renews the certificate for a CSR with a fresh key, keeps each device's latest
// status in a control_directory and logs its events, and carries commands (the command
// protocol, docs/command-protocol.md) to the device, whose replies it logs.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "printgate/common/any_stream.hpp"
#include "printgate/relay/registry.hpp"
#include "printgate/tunnel/identity_authority.hpp"

namespace printgate::tunnel {
class control_channel;
}

namespace printgate::relay {

// What the relay knows of every device's control stream. Thread-safe.
class control_directory {
public:
    struct device_view {
        bool online = false;
        tunnel::wall_time since{};  // when it came online, or went offline
        // The latest `status` push per topic ("state", "temperatures", "progress"): its data.
        nlohmann::json status = nlohmann::json::object();
        nlohmann::json last_event;  // the data of the latest `event`, or null
        std::optional<tunnel::wall_time> status_at;  // when the latest status arrived
        // The device's reply to the latest command sent from the relay: {type, id, message}
        // (message only for an error), or null.
        nlohmann::json last_reply;
        std::optional<tunnel::wall_time> reply_at;
    };

    std::optional<device_view> find(const std::string& device_id) const;
    // Sends a command to the device over its control stream; false when the device is not
    // connected, the command is not one of the protocol's, or the queue is full. The reply
    // comes back on the stream, is logged and kept as last_reply.
    bool send(const std::string& device_id, const nlohmann::json& command);

    void opened(const std::string& device_id, std::shared_ptr<tunnel::control_channel> channel, tunnel::wall_time now);
    void closed(const std::string& device_id, const tunnel::control_channel* channel, tunnel::wall_time now);
    // A status or event push from the device. Returns the printer's state when this push
    // changed it (for the log), else an empty string.
    std::string record(const std::string& device_id, const nlohmann::json& message, tunnel::wall_time now);
    // A reply (success, response, error) to a command the relay sent.
    void record_reply(const std::string& device_id, const nlohmann::json& message, tunnel::wall_time now);

private:
    struct entry {
        device_view view;
        std::shared_ptr<tunnel::control_channel> channel;
    };
    mutable std::mutex mutex_;
    std::map<std::string, entry> devices_;
};

// The reply to one control message from device `device_id` (null: no reply).
nlohmann::json answer_control(const nlohmann::json& message, const std::string& device_id, registry& devices,
                              const tunnel::identity_authority& ca, tunnel::wall_time now);

boost::asio::awaitable<void> serve_control(common::any_stream stream, std::string device_id, registry& devices,
                                           const tunnel::identity_authority& ca, control_directory& directory);

}  // namespace printgate::relay
