#include "control_service.hpp"

#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "printgate/tunnel/control.hpp"

namespace printgate::relay {

namespace {

bool is_command(const std::string& type) {
    return type == "printer_control" || type == "temperature_control" || type == "movement_control" ||
           type == "camera_control";
}

// A string field of a device's message, or "" (a device's JSON is not trusted to be typed).
std::string string_field(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// For the log: at most 64 characters, no control characters (a device cannot forge lines).
std::string loggable(std::string text) {
    if (text.size() > 64) text.resize(64);
    for (auto& c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return text;
}

std::string id_text(const nlohmann::json& message) {
    auto id = message.find("id");
    return id == message.end() ? "-" : loggable(id->dump());
}

}  // namespace

std::optional<control_directory::device_view> control_directory::find(const std::string& device_id) const {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device_id);
    if (it == devices_.end()) return std::nullopt;
    return it->second.view;
}

bool control_directory::send(const std::string& device_id, const nlohmann::json& command) {
    std::shared_ptr<tunnel::control_channel> channel;
    {
        std::lock_guard lock(mutex_);
        auto it = devices_.find(device_id);
        if (it == devices_.end() || !it->second.channel) return false;
        channel = it->second.channel;
    }
    if (!is_command(string_field(command, "type"))) return false;
    // The channel belongs to its stream's executor: write from there.
    auto executor = channel->stream().get_executor();
    boost::asio::post(executor, [channel, command] { channel->send(command); });
    return true;
}

void control_directory::opened(const std::string& device_id, std::shared_ptr<tunnel::control_channel> channel,
                               tunnel::wall_time now) {
    std::lock_guard lock(mutex_);
    auto& e = devices_[device_id];
    e.channel = std::move(channel);
    e.view.online = true;
    e.view.since = now;
}

void control_directory::closed(const std::string& device_id, const tunnel::control_channel* channel,
                               tunnel::wall_time now) {
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device_id);
    // A newer tunnel of the same device may already have replaced this one.
    if (it == devices_.end() || it->second.channel.get() != channel) return;
    it->second.channel.reset();
    it->second.view.online = false;
    it->second.view.since = now;
}

std::string control_directory::record(const std::string& device_id, const nlohmann::json& message,
                                      tunnel::wall_time now) {
    const auto data = message.find("data");
    if (data == message.end() || !data->is_object()) return {};
    std::lock_guard lock(mutex_);
    auto& view = devices_[device_id].view;
    if (message.value("type", "") == "event") {
        view.last_event = *data;
        return {};
    }
    auto topic = data->find("topic");
    if (topic == data->end() || !topic->is_string()) return {};
    const auto name = topic->get<std::string>();
    // Only what a page shows: state, temperatures, progress (a device could send anything).
    if (name != "state" && name != "temperatures" && name != "progress") return {};
    std::string before = view.status.contains("state") ? string_field(view.status["state"], "state") : "";
    view.status[name] = *data;
    view.status_at = now;
    if (name != "state") return {};
    std::string after = string_field(*data, "state");
    return after != before ? after : std::string();
}

void control_directory::record_reply(const std::string& device_id, const nlohmann::json& message,
                                     tunnel::wall_time now) {
    nlohmann::json reply = {{"type", loggable(string_field(message, "type"))}, {"id", loggable(string_field(message, "id"))}};
    if (reply["type"] == "error") {
        const auto data = message.find("data");
        if (data != message.end()) reply["message"] = loggable(string_field(*data, "message"));
    }
    std::lock_guard lock(mutex_);
    auto& view = devices_[device_id].view;
    view.last_reply = std::move(reply);
    view.reply_at = now;
}

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
    if (type == "status") {
        spdlog::debug("control: status from {}", device_id);
        return nullptr;
    }
    if (type == "event") {
        auto event = message.contains("data") ? string_field(message["data"], "event") : std::string();
        spdlog::info("control: event {} from device {}", event.empty() ? "?" : loggable(event), device_id);
        return nullptr;
    }
    if (type == "success" || type == "response" || (type == "error" && message.contains("data"))) {
        // A command's reply. Only its type and id: data may hold anything the printer said.
        spdlog::info("control: {} to command {} from device {}", type, id_text(message), device_id);
        return nullptr;
    }
    return nullptr;  // unknown types are ignored
}

boost::asio::awaitable<void> serve_control(common::any_stream stream, std::string device_id, registry& devices,
                                           const tunnel::identity_authority& ca, control_directory& directory) {
    auto channel = std::make_shared<tunnel::control_channel>(std::move(stream));
    directory.opened(device_id, channel, std::chrono::system_clock::now());
    for (;;) {
        auto [ec, message] = co_await channel->read();
        if (ec) {
            if (ec == boost::asio::error::message_size || ec == boost::asio::error::invalid_argument)
            {
                nlohmann::json error;
                error["type"] = "error";
                error["message"] = "malformed control message";
                channel->send(error);
            }
            break;
        }
        const auto now = std::chrono::system_clock::now();
        const auto type = message.value("type", "");
        if (type == "status" || type == "event") {
            if (auto state = directory.record(device_id, message, now); !state.empty())
                spdlog::info("control: device {} printer is {}", device_id, loggable(state));
        } else if (type == "success" || type == "response" || (type == "error" && message.contains("data"))) {
            directory.record_reply(device_id, message, now);
        }
        auto reply = answer_control(message, device_id, devices, ca, now);
        if (!reply.is_null() && !channel->send(reply)) break;
    }
    directory.closed(device_id, channel.get(), std::chrono::system_clock::now());
}

}  // namespace printgate::relay
