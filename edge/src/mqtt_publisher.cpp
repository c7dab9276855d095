#include "mqtt_publisher.hpp"

#include <boost/asio/post.hpp>
#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

namespace printgate::edge {

namespace {
std::once_flag lib_once;
}

mqtt_publisher::mqtt_publisher(mqtt_settings settings) : s_(std::move(settings)) {}

mqtt_publisher::~mqtt_publisher() {
    if (client_) {
        mosquitto_disconnect(client_);
        mosquitto_loop_stop(client_, true);
        mosquitto_destroy(client_);
    }
    // After the MQTT thread ended: a handler still queued on the executor finds it gone.
    runner_.reset();
}

bool mqtt_publisher::start(std::string& why) {
    std::call_once(lib_once, [] { mosquitto_lib_init(); });
    client_ = mosquitto_new(("printgate-" + s_.printer_id).c_str(), true, this);
    if (!client_) {
        why = "mqtt: cannot create a client";
        return false;
    }
    if (!s_.username.empty()) mosquitto_username_pw_set(client_, s_.username.c_str(), s_.password.c_str());
    mosquitto_connect_callback_set(client_, &mqtt_publisher::on_connect);
    if (runner_) mosquitto_message_callback_set(client_, &mqtt_publisher::on_message);
    // The last will tells subscribers the edge is gone, even when it is killed.
    const auto state_topic = s_.prefix + "/" + s_.printer_id + "/availability";
    mosquitto_will_set(client_, state_topic.c_str(), 7, "offline", 1, true);
    mosquitto_reconnect_delay_set(client_, 1, 60, true);
    if (int rc = mosquitto_connect_async(client_, s_.host.c_str(), s_.port, 30); rc != MOSQ_ERR_SUCCESS)
        spdlog::warn("mqtt: {} (will keep trying)", mosquitto_strerror(rc));
    if (int rc = mosquitto_loop_start(client_); rc != MOSQ_ERR_SUCCESS) {
        why = std::string("mqtt: ") + mosquitto_strerror(rc);
        return false;
    }
    return true;
}

void mqtt_publisher::on_connect(struct mosquitto*, void* self, int rc) {
    auto* me = static_cast<mqtt_publisher*>(self);
    if (rc != 0) {
        spdlog::warn("mqtt: connection refused ({})", mosquitto_connack_string(rc));
        return;
    }
    me->publish(me->s_.prefix + "/" + me->s_.printer_id + "/availability", "online", true);
    me->publish_discovery();
    // Again after every reconnect (the session is clean).
    if (me->runner_) {
        const auto topic = me->s_.prefix + "/" + me->s_.printer_id + "/command";
        mosquitto_subscribe(me->client_, nullptr, topic.c_str(), 1);
    }
}

void mqtt_publisher::accept_commands(boost::asio::any_io_executor ex, command_runner run) {
    executor_ = std::move(ex);
    runner_ = std::make_shared<command_runner>(std::move(run));
}

void mqtt_publisher::on_message(struct mosquitto*, void* self, const ::mosquitto_message* message) {
    // The MQTT thread: copy, then hand over to the application's executor.
    auto* me = static_cast<mqtt_publisher*>(self);
    if (!me->runner_ || message->topic == nullptr ||
        std::string_view(message->topic) != me->s_.prefix + "/" + me->s_.printer_id + "/command")
        return;
    const auto size = message->payloadlen > 0 ? static_cast<std::size_t>(message->payloadlen) : 0;
    std::string text;
    if (size > 0) text.assign(static_cast<const char*>(message->payload), std::min(size, max_command_payload + 1));
    boost::asio::post(me->executor_, [me, weak = std::weak_ptr<command_runner>(me->runner_), text = std::move(text)] {
        auto run = weak.lock();
        if (!run) return;
        auto reply = (*run)(text);
        me->publish(me->s_.prefix + "/" + me->s_.printer_id + "/reply",
                    reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), false);
    });
}

void mqtt_publisher::publish(const std::string& topic, const std::string& payload, bool retain) {
    if (!client_) return;
    mosquitto_publish(client_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, retain);
}

void mqtt_publisher::publish_discovery() {
    const std::string base = s_.prefix + "/" + s_.printer_id;
    const nlohmann::json device = {{"identifiers", {"printgate_" + s_.printer_id}},
                                   {"name", s_.printer_name},
                                   {"manufacturer", "printgate"},
                                   {"model", "printgate-edge"}};
    struct sensor {
        const char* key;
        const char* name;
        const char* topic;
        const char* value;
        const char* unit;
        const char* device_class;
    };
    const sensor sensors[] = {
        {"state", "State", "/state", "{{ value_json.state }}", nullptr, nullptr},
        {"hotend", "Hotend temperature", "/temperatures", "{{ value_json.heaters.T0.actual | default(value_json.heaters.T.actual) }}", "°C", "temperature"},
        {"bed", "Bed temperature", "/temperatures", "{{ value_json.heaters.B.actual }}", "°C", "temperature"},
        {"last_event", "Last event", "/event", "{{ value_json.data.event }}", nullptr, nullptr},
    };
    for (const auto& s : sensors) {
        nlohmann::json cfg = {{"name", s.name},
                              {"unique_id", "printgate_" + s_.printer_id + "_" + s.key},
                              {"state_topic", base + s.topic},
                              {"value_template", s.value},
                              {"availability_topic", base + "/availability"},
                              {"device", device}};
        if (s.unit) cfg["unit_of_measurement"] = s.unit;
        if (s.device_class) cfg["device_class"] = s.device_class;
        publish(s_.discovery_prefix + "/sensor/printgate_" + s_.printer_id + "_" + s.key + "/config", cfg.dump(), true);
    }
}

void mqtt_publisher::publish_event(const nlohmann::json& message) {
    publish(s_.prefix + "/" + s_.printer_id + "/event", message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), false);
}

void mqtt_publisher::publish_state(const nlohmann::json& data) {
    publish(s_.prefix + "/" + s_.printer_id + "/state", data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), true);
}

void mqtt_publisher::publish_temperatures(const nlohmann::json& data) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_temps_ < std::chrono::seconds(5)) return;
    last_temps_ = now;
    publish(s_.prefix + "/" + s_.printer_id + "/temperatures", data.dump(), false);
}

}  // namespace printgate::edge
