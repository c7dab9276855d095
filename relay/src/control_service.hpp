#pragma once
// The relay's end of a device's control stream (tunnel/control.hpp): answers hello with
// welcome, renews the certificate for a CSR with a fresh key, logs status and events.
#include <string>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "printgate/common/any_stream.hpp"
#include "printgate/relay/registry.hpp"
#include "printgate/tunnel/identity_authority.hpp"

namespace printgate::relay {

// The reply to one control message from device `device_id` (null: no reply).
nlohmann::json answer_control(const nlohmann::json& message, const std::string& device_id, registry& devices,
                              const tunnel::identity_authority& ca, tunnel::wall_time now);

boost::asio::awaitable<void> serve_control(common::any_stream stream, std::string device_id, registry& devices,
                                           const tunnel::identity_authority& ca);

}  // namespace printgate::relay
