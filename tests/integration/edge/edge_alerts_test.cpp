// Alerts leave the edge: webhooks to a local receiver (which fails at first, so the retry
// with backoff is exercised), and MQTT through a real mosquitto broker started by the test,
// with the Home Assistant discovery configs.
#include "edge_harness.hpp"

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
    const int port = free_port();
    const std::string broker_bin = fs::exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
    child_process broker({broker_bin, "-p", std::to_string(port)}, dir / "mosquitto.out", dir / "mosquitto.err");
    ASSERT_TRUE(wait_until([&] {
        const int fd = connect_to(port);
        if (fd >= 0) ::close(fd);
        return fd >= 0;
    }, patience)) << broker.err();

    mosquitto_lib_init();
    mqtt_log log;
    auto* sub = mosquitto_new("edge-test", true, &log);
    ASSERT_NE(sub, nullptr);
    mosquitto_message_callback_set(sub, [](mosquitto*, void* self, const mosquitto_message* m) {
        auto* l = static_cast<mqtt_log*>(self);
        std::lock_guard lock(l->mutex);
        l->messages.emplace_back(m->topic, std::string(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen)));
    });
    mosquitto_connect_callback_set(sub, [](mosquitto* m, void*, int) { mosquitto_subscribe(m, nullptr, "#", 1); });
    ASSERT_EQ(mosquitto_connect(sub, "127.0.0.1", port, 30), MOSQ_ERR_SUCCESS);
    ASSERT_EQ(mosquitto_loop_start(sub), MOSQ_ERR_SUCCESS);

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
    mosquitto_disconnect(sub);
    mosquitto_loop_stop(sub, true);
    mosquitto_destroy(sub);
    mosquitto_lib_cleanup();
}
