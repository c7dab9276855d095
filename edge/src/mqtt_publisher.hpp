#pragma once
// Alerts and state over MQTT (libmosquitto, its own network thread): events to
// PREFIX/ID/event, state (retained) to PREFIX/ID/state, temperatures to PREFIX/ID/temperatures
// at most every 5 s; and Home Assistant discovery configs (retained) under
// DISCOVERY/sensor/ID_*/config so the printer appears in Home Assistant by itself.
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

struct mosquitto;

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

    bool start(std::string& why);
    void publish_event(const nlohmann::json& message);
    void publish_state(const nlohmann::json& data);
    void publish_temperatures(const nlohmann::json& data);

private:
    static void on_connect(struct mosquitto*, void* self, int rc);
    void publish(const std::string& topic, const std::string& payload, bool retain);
    void publish_discovery();

    mqtt_settings s_;
    struct mosquitto* client_ = nullptr;
    std::chrono::steady_clock::time_point last_temps_{};
};

}  // namespace printgate::edge
