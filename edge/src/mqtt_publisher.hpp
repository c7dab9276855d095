#pragma once
// Alerts and state over MQTT (libmosquitto, its own network thread): events to
// PREFIX/ID/event, state (retained) to PREFIX/ID/state, temperatures to PREFIX/ID/temperatures
// at most every 5 s; and Home Assistant discovery configs (retained) under
// DISCOVERY/sensor/ID_*/config so the printer appears in Home Assistant by itself.
// With accept_commands(), also the command protocol: commands on PREFIX/ID/command, each
// answered on PREFIX/ID/reply.
#include <boost/asio/any_io_executor.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

struct mosquitto;
struct mosquitto_message;

namespace printgate::edge {

struct mqtt_settings {
    std::string host;  // "" = off
    int port = 1883;
    std::string username, password;
    std::string prefix = "printgate";
    std::string discovery_prefix = "homeassistant";
    std::string printer_id = "printer";
    std::string printer_name = "printer";
};

class mqtt_publisher {
public:
    explicit mqtt_publisher(mqtt_settings settings);
    ~mqtt_publisher();
    mqtt_publisher(const mqtt_publisher&) = delete;
    mqtt_publisher& operator=(const mqtt_publisher&) = delete;

    // Before start(): commands arriving on PREFIX/ID/command run as `run(text)` on `ex` (never
    // on the MQTT thread), and its reply is published on PREFIX/ID/reply. Of a larger payload
    // only max_command_payload + 1 bytes are copied: enough for the parser to refuse it.
    using command_runner = std::function<nlohmann::json(std::string_view text)>;
    static constexpr std::size_t max_command_payload = 16 * 1024;
    void accept_commands(boost::asio::any_io_executor ex, command_runner run);

    bool start(std::string& why);
    void publish_event(const nlohmann::json& message);
    void publish_state(const nlohmann::json& data);
    void publish_temperatures(const nlohmann::json& data);

private:
    static void on_connect(struct mosquitto*, void* self, int rc);
    static void on_message(struct mosquitto*, void* self, const ::mosquitto_message* message);
    void publish(const std::string& topic, const std::string& payload, bool retain);
    void publish_discovery();

    mqtt_settings s_;
    struct mosquitto* client_ = nullptr;
    std::chrono::steady_clock::time_point last_temps_{};
    boost::asio::any_io_executor executor_;
    // Shared with handlers posted to executor_; reset on destruction so a late one does nothing.
    std::shared_ptr<command_runner> runner_;
};

}  // namespace printgate::edge
