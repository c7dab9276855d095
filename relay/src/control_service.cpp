#include "control_service.hpp"

#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include "printgate/tunnel/control.hpp"

namespace printgate::relay {

nlohmann::json answer_control(const nlohmann::json& message, const std::string& device_id, registry& devices,
                              const tunnel::identity_authority& ca, tunnel::wall_time now) {
    const auto type = message.value("type", "");
    if (type == "hello") {
        auto device = devices.find_by_id(device_id);
        spdlog::info("control: device {} says hello (version {})", device ? device->name : device_id,
                     message.contains("version") && message["version"].is_string()
                         ? message["version"].get<std::string>()
                         : "?");
        return {{"type", "welcome"}, {"device_id", device_id}, {"name", device ? device->name : ""}};
    }
    if (type == "renew") {
        auto fail = [](std::string why) { return nlohmann::json{{"type", "renew_failed"}, {"message", why}}; };
        if (!message.contains("csr") || !message["csr"].is_string()) return fail("renew needs a csr");
        auto csr = tunnel::csr_from_pem(message["csr"].get<std::string>());
        if (!csr) return fail(csr.message());
        auto cert = ca.sign_device(**csr, device_id, now - std::chrono::minutes(5),
                                   now + tunnel::device_certificate_lifetime);
        if (!cert) return fail(cert.message());
        if (auto ok = devices.record_certificate(device_id, tunnel::serial_hex(**cert), tunnel::not_after_of(**cert), now);
            !ok)
            return fail(ok.message());
        auto pem = tunnel::certificate_to_pem(**cert);
        if (!pem) return fail(pem.message());
        spdlog::info("control: renewed the certificate of device {} (serial {})", device_id, tunnel::serial_hex(**cert));
        return {{"type", "renewed"}, {"certificate", *pem}};
    }
    if (type == "status" || type == "event") {
        spdlog::debug("control: {} from {}", type, device_id);
        return nullptr;
    }
    return nullptr;  // unknown types are ignored
}

boost::asio::awaitable<void> serve_control(common::any_stream stream, std::string device_id, registry& devices,
                                           const tunnel::identity_authority& ca) {
    tunnel::control_channel channel(std::move(stream));
    for (;;) {
        auto [ec, message] = co_await channel.read();
        if (ec) {
            if (ec == boost::asio::error::message_size || ec == boost::asio::error::invalid_argument)
            {
                nlohmann::json error;
                error["type"] = "error";
                error["message"] = "malformed control message";
                co_await channel.write(error);
            }
            co_return;
        }
        auto reply = answer_control(message, device_id, devices, ca, std::chrono::system_clock::now());
        if (!reply.is_null()) {
            auto wec = co_await channel.write(reply);
            if (wec) co_return;
        }
    }
}

}  // namespace printgate::relay
