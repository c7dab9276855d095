// /api/v1/ws with a minimal RFC 6455 client over a real socket: the first pushes, live
// temperature pushes, command replies (errors name the field, ids are echoed), and a client
// that never reads does not stop the others.
#include "edge_harness.hpp"

using namespace edge_test;

namespace {

class ws_client {
public:
    explicit ws_client(int port) : fd_(connect_to(port)) {
        if (fd_ < 0) return;
        send_all(fd_, "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        while (buf_.find("\r\n\r\n") == std::string::npos)
            if (!fill()) return;
        const auto end = buf_.find("\r\n\r\n");
        head_ = buf_.substr(0, end);
        buf_.erase(0, end + 4);
    }
    ~ws_client() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool upgraded() const { return head_.rfind("HTTP/1.1 101", 0) == 0; }

    void send_text(const std::string& text) {
        std::string f;
        f += static_cast<char>(0x81);
        if (text.size() < 126) {
            f += static_cast<char>(0x80 | text.size());
        } else {
            f += static_cast<char>(0x80 | 126);
            f += static_cast<char>((text.size() >> 8) & 0xff);
            f += static_cast<char>(text.size() & 0xff);
        }
        const char mask[4] = {0x12, 0x34, 0x56, 0x78};
        f.append(mask, 4);
        for (std::size_t i = 0; i < text.size(); ++i) f += static_cast<char>(text[i] ^ mask[i % 4]);
        send_all(fd_, f);
    }

    // The next text message, parsed; a discarded value when the connection ends.
    nlohmann::json next() {
        for (;;) {
            if (buf_.size() >= 2) {
                const auto b1 = static_cast<unsigned char>(buf_[1]);
                std::size_t len = b1 & 0x7f, off = 2;
                if (len == 126 && buf_.size() >= 4) {
                    len = (static_cast<unsigned char>(buf_[2]) << 8) | static_cast<unsigned char>(buf_[3]);
                    off = 4;
                } else if (len == 127 && buf_.size() >= 10) {
                    len = 0;
                    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(buf_[2 + i]);
                    off = 10;
                }
                if ((b1 & 0x7f) < 126 || off > 2) {
                    if (buf_.size() >= off + len) {
                        const int opcode = static_cast<unsigned char>(buf_[0]) & 0x0f;
                        auto payload = buf_.substr(off, len);
                        buf_.erase(0, off + len);
                        if (opcode == 1) return nlohmann::json::parse(payload, nullptr, false);
                        if (opcode == 8) return nlohmann::json::parse("", nullptr, false);
                        continue;
                    }
                }
            }
            if (!fill()) return nlohmann::json::parse("", nullptr, false);
        }
    }
    // Skips pushes until a message with that type (and id when given).
    nlohmann::json next_of(const std::string& type, const nlohmann::json& id = nullptr) {
        for (int i = 0; i < 2000; ++i) {
            auto m = next();
            if (m.is_discarded()) return m;
            if (m.value("type", "") == type && (id.is_null() || m.value("id", nlohmann::json()) == id)) return m;
        }
        return nlohmann::json::parse("", nullptr, false);
    }

private:
    bool fill() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(patience.count())) <= 0) return false;
        char b[65536];
        const ssize_t n = ::recv(fd_, b, sizeof b, 0);
        if (n <= 0) return false;
        buf_.append(b, static_cast<std::size_t>(n));
        return true;
    }
    int fd_;
    std::string buf_, head_;
};

}  // namespace

TEST(edge_websocket, pushes_and_commands) {
    temp_dir dir;
    auto state = dir / "state";
    edge_process edge(dir, demo_args(dir, state));
    ASSERT_TRUE(edge.ready()) << edge.log();
    ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();

    ws_client stalled(edge.port());  // never reads a thing
    ASSERT_TRUE(stalled.upgraded());
    ws_client ws(edge.port());
    ASSERT_TRUE(ws.upgraded());
    std::set<std::string> first;
    for (int i = 0; i < 3; ++i) {
        auto m = ws.next();
        ASSERT_FALSE(m.is_discarded());
        EXPECT_EQ(m.value("printer_id", ""), "printer");
        first.insert(m["data"].value("topic", ""));
    }
    EXPECT_EQ(first, (std::set<std::string>{"state", "temperatures", "progress"}));

    ws.send_text(R"({"type":"temperature_control","action":"set_hotend","parameters":{"temperature":-5},"id":"c1"})");
    auto err = ws.next_of("error", "c1");
    ASSERT_FALSE(err.is_discarded());
    EXPECT_EQ(err["data"].value("field", ""), "parameters.temperature");
    ws.send_text("{broken");
    err = ws.next_of("error");
    EXPECT_EQ(err["data"].value("field", "?"), "");

    ws.send_text(R"({"type":"temperature_control","action":"set_hotend","parameters":{"temperature":50},"id":7})");
    auto ok = ws.next_of("success", 7);
    ASSERT_FALSE(ok.is_discarded());
    // Live temperature pushes show the new target; the terminal push shows the line sent.
    bool seen = false, echoed = false;
    for (int i = 0; i < 200 && !(seen && echoed); ++i) {
        auto m = ws.next();
        ASSERT_FALSE(m.is_discarded());
        if (m["data"].value("topic", "") == "terminal") {
            EXPECT_EQ(m.value("type", ""), "status");
            EXPECT_EQ(m.value("printer_id", ""), "printer");
            EXPECT_TRUE(m.contains("timestamp"));
            for (const auto& l : m["data"]["lines"])
                echoed = echoed || (l.value("direction", "") == "sent" && l.value("line", "").find("M104") != std::string::npos);
        }
        if (m["data"].value("topic", "") == "temperatures" && m["data"]["heaters"].contains("T"))
            seen = m["data"]["heaters"]["T"]["target"] == 50.0;
        if (m["data"].value("topic", "") == "temperatures" && m["data"]["heaters"].contains("T0"))
            seen = seen || m["data"]["heaters"]["T0"]["target"] == 50.0;
    }
    EXPECT_TRUE(seen);
    EXPECT_TRUE(echoed);
    ws.send_text(R"({"type":"printer_control","action":"get_status","id":"s"})");
    auto status = ws.next_of("response", "s");
    EXPECT_EQ(status["data"]["state"].value("state", ""), "operational");
}
