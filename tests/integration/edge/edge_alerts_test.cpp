// Alerts leave the edge: webhooks to a local receiver (which fails at first, so the retry
// with backoff is exercised), and MQTT through a real mosquitto broker started by the test,
// with the Home Assistant discovery configs.
#include "edge_harness.hpp"
#include "https_server.hpp"

#include <mosquitto.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

using namespace edge_test;

namespace {

// Accepts HTTP POSTs on 127.0.0.1:PORT; answers 500 to the first `failures`, then 204.
class webhook_receiver {
public:
    explicit webhook_receiver(int failures) : failures_(failures) {
        fd_ = bind_loopback(port_);
        thread_ = std::thread([this] { loop(); });
    }
    ~webhook_receiver() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    int port() const { return port_; }
    int requests() const { return requests_; }
    std::vector<nlohmann::json> accepted() {
        std::lock_guard lock(mutex_);
        return accepted_;
    }

private:
    void loop() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            std::string in;
            char buf[4096];
            std::size_t need = std::string::npos;
            while (need == std::string::npos || in.size() < need) {
                pollfd q{c, POLLIN, 0};
                if (::poll(&q, 1, 5000) <= 0) break;
                const ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0) break;
                in.append(buf, static_cast<std::size_t>(n));
                auto end = in.find("\r\n\r\n");
                auto cl = in.find("Content-Length: ");
                if (end != std::string::npos && cl != std::string::npos)
                    need = end + 4 + std::stoul(in.substr(cl + 16));
            }
            const bool fail = requests_++ < failures_;
            send_all(c, fail ? "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                             : "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
            if (!fail && need != std::string::npos) {
                std::lock_guard lock(mutex_);
                accepted_.push_back(nlohmann::json::parse(in.substr(in.find("\r\n\r\n") + 4), nullptr, false));
            }
            ::close(c);
        }
    }
    int fd_ = -1, port_ = 0, failures_;
    std::atomic<int> requests_{0};
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<nlohmann::json> accepted_;
    std::thread thread_;
};

struct mqtt_log {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> messages;
    bool has(const std::string& topic, const std::string& part) {
        std::lock_guard lock(mutex);
        for (const auto& [t, p] : messages)
            if (t == topic && p.find(part) != std::string::npos) return true;
        return false;
    }
};

// A real mosquitto on a free loopback port, and a client subscribed to everything that
// records what it sees.
class mqtt_broker {
public:
    explicit mqtt_broker(const temp_dir& dir)
        : port_(free_port()),
          broker_({fs::exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto", "-p", std::to_string(port_)},
                  dir / "mosquitto.out", dir / "mosquitto.err") {
        mosquitto_lib_init();
    }
    ~mqtt_broker() {
        if (sub_) {
            mosquitto_disconnect(sub_);
            mosquitto_loop_stop(sub_, true);
            mosquitto_destroy(sub_);
        }
        mosquitto_lib_cleanup();
    }
    // Waits for the broker, then connects the recording client; "" or what failed.
    std::string start() {
        const bool up = wait_until([&] {
            const int fd = connect_to(port_);
            if (fd >= 0) ::close(fd);
            return fd >= 0;
        }, patience);
        if (!up) return "no broker: " + broker_.err();
        sub_ = mosquitto_new("edge-test", true, &log);
        if (sub_ == nullptr) return "no MQTT client";
        mosquitto_message_callback_set(sub_, [](mosquitto*, void* self, const mosquitto_message* m) {
            auto* l = static_cast<mqtt_log*>(self);
            std::lock_guard lock(l->mutex);
            l->messages.emplace_back(m->topic, std::string(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen)));
        });
        mosquitto_connect_callback_set(sub_, [](mosquitto* m, void*, int) { mosquitto_subscribe(m, nullptr, "#", 1); });
        if (mosquitto_connect(sub_, "127.0.0.1", port_, 30) != MOSQ_ERR_SUCCESS) return "cannot connect to the broker";
        if (mosquitto_loop_start(sub_) != MOSQ_ERR_SUCCESS) return "no MQTT thread";
        return "";
    }
    int port() const { return port_; }
    bool publish(const std::string& topic, const std::string& payload) {
        return mosquitto_publish(sub_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, false) ==
               MOSQ_ERR_SUCCESS;
    }

    mqtt_log log;

private:
    int port_;
    child_process broker_;
    mosquitto* sub_ = nullptr;
};

}  // namespace

TEST(edge_alerts, webhooks_are_retried_with_backoff) {
    webhook_receiver receiver(2);
    temp_dir dir;
    auto state = dir / "state";
    edge_process edge(dir, demo_args(dir, state,
                                     "[alerts]\nwebhooks = [\"http://127.0.0.1:" + std::to_string(receiver.port()) +
                                         "/hook\"]\nwebhook_backoff_ms = 20\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();
    ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();
    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "a.gcode", gcode_job(5), {{"print", "true"}}).status, 201);
    auto events = [&] {
        std::set<std::string> out;
        for (const auto& j : receiver.accepted())
            if (j.is_object()) out.insert(j["data"].value("event", ""));
        return out;
    };
    ASSERT_TRUE(wait_until([&] { return events().count("print_done") == 1; }, patience)) << edge.log();
    EXPECT_EQ(events().count("print_started"), 1u);
    EXPECT_GE(receiver.requests(), 4);  // two refusals, then both events
    for (const auto& j : receiver.accepted()) {
        EXPECT_EQ(j.value("type", ""), "event");
        EXPECT_EQ(j.value("printer_id", ""), "printer");
    }
}

TEST(edge_alerts, mqtt_events_and_home_assistant_discovery) {
    temp_dir dir;
    mqtt_broker mqtt(dir);
    const auto started = mqtt.start();
    ASSERT_EQ(started, "");
    auto& log = mqtt.log;
    const int port = mqtt.port();

    auto state = dir / "state";
    {
        edge_process edge(dir, demo_args(dir, state, "[mqtt]\nhost = \"127.0.0.1\"\nport = " + std::to_string(port) + "\n"));
        ASSERT_TRUE(edge.ready()) << edge.log();
        ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();
        EXPECT_TRUE(wait_until([&] { return log.has("homeassistant/sensor/printgate_printer_state/config", "\"state_topic\":\"printgate/printer/state\""); }, patience));
        EXPECT_TRUE(log.has("homeassistant/sensor/printgate_printer_hotend/config", "temperature"));
        EXPECT_TRUE(wait_until([&] { return log.has("printgate/printer/availability", "online"); }, patience));
        ASSERT_EQ(upload(edge.port(), "/api/v1/files", "a.gcode", gcode_job(5), {{"print", "true"}}).status, 201);
        EXPECT_TRUE(wait_until([&] { return log.has("printgate/printer/event", "print_done"); }, patience)) << edge.log();
        EXPECT_TRUE(log.has("printgate/printer/event", "print_started"));
        EXPECT_TRUE(log.has("printgate/printer/state", "operational"));
        edge.process().signal(SIGKILL);
        edge.process().wait(patience);
    }
    // The broker publishes the edge's last will.
    EXPECT_TRUE(wait_until([&] { return log.has("printgate/printer/availability", "offline"); }, patience));
}

// The command protocol over MQTT (mqtt.commands = true): commands on PREFIX/ID/command, each
// answered on PREFIX/ID/reply by the same parser and executor as the WebSocket's.
TEST(edge_alerts, mqtt_commands_get_replies_on_the_reply_topic) {
    temp_dir dir;
    mqtt_broker mqtt(dir);
    const auto started = mqtt.start();
    ASSERT_EQ(started, "");
    auto& log = mqtt.log;
    const int port = mqtt.port();
    auto send = [&](const std::string& text) { return mqtt.publish("printgate/printer/command", text); };

    auto state = dir / "state";
    {
        edge_process edge(dir, demo_args(dir, state,
                                         "[mqtt]\nhost = \"127.0.0.1\"\nport = " + std::to_string(port) +
                                             "\ncommands = true\n"));
        ASSERT_TRUE(edge.ready()) << edge.log();
        ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();
        // The edge subscribes once connected: ask until it answers.
        ASSERT_TRUE(wait_until([&] {
            send(R"({"type":"printer_control","action":"get_status","id":"m1"})");
            return log.has("printgate/printer/reply", "\"id\":\"m1\"");
        }, patience)) << edge.log();
        EXPECT_TRUE(log.has("printgate/printer/reply", "\"type\":\"response\""));

        // Out of range: an error naming the field.
        ASSERT_TRUE(send(R"({"type":"temperature_control","action":"set_hotend","parameters":{"temperature":999},"id":"m2"})"));
        EXPECT_TRUE(wait_until([&] { return log.has("printgate/printer/reply", "\"id\":\"m2\""); }, patience));
        EXPECT_TRUE(log.has("printgate/printer/reply", "parameters.temperature"));
        // Larger than a command may be: refused without being parsed.
        ASSERT_TRUE(send(std::string(20000, ' ')));
        EXPECT_TRUE(wait_until([&] { return log.has("printgate/printer/reply", "larger than"); }, patience));

        // A valid command does what it says: the bed target is set.
        ASSERT_TRUE(send(R"({"type":"temperature_control","action":"set_bed","parameters":{"temperature":55},"id":"m3"})"));
        EXPECT_TRUE(wait_until([&] { return log.has("printgate/printer/reply", "\"id\":\"m3\""); }, patience));
        EXPECT_TRUE(log.has("printgate/printer/reply", "M140 S55")) << edge.log();
        EXPECT_EQ(edge.process().stop(), 0) << edge.log();
    }
}

// https webhooks: the certificate chain and host name are verified (alerts.ca_file adds the
// test's CA); a receiver the edge cannot verify never gets an alert.
TEST(edge_alerts, https_webhooks_are_verified) {
    temp_dir dir;
    https_server trusted(dir / "trusted.pem", {{"/hook", https_server::no_content()}});
    https_server untrusted(dir / "untrusted.pem", {{"/hook", https_server::no_content()}});
    auto state = dir / "state";
    edge_process edge(dir, demo_args(dir, state,
                                     "[alerts]\nwebhooks = [\"" + trusted.url("localhost", "/hook") + "\", \"" +
                                         untrusted.url("127.0.0.1", "/hook") + "\"]\nwebhook_attempts = 2\n"
                                         "webhook_backoff_ms = 20\nca_file = \"" + (dir / "trusted.pem").string() + "\"\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();
    ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();
    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "a.gcode", gcode_job(5), {{"print", "true"}}).status, 201);
    auto has_event = [&](const std::string& event) {
        for (const auto& r : trusted.requests())
            if (r.rfind("POST /hook HTTP/1.1\n", 0) == 0 && r.find("\"event\":\"" + event + "\"") != std::string::npos)
                return true;
        return false;
    };
    ASSERT_TRUE(wait_until([&] { return has_event("print_done"); }, patience)) << edge.log();
    EXPECT_TRUE(has_event("print_started"));
    // The untrusted receiver was reached (TCP) but its certificate refused: no request read.
    EXPECT_TRUE(wait_until([&] { return edge.log().find("certificate verify failed") != std::string::npos; }, patience))
        << edge.log();
    EXPECT_GT(untrusted.connections(), 0);
    EXPECT_TRUE(untrusted.requests().empty());
}
