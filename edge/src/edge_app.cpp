#include "printgate/edge/edge_app.hpp"

#include "printgate/edge/gcode_download.hpp"
#include "command_executor.hpp"
#include "lan_sign_in.hpp"
#include "lan_tls.hpp"
#include "mqtt_publisher.hpp"
#include "webhook_notifier.hpp"

#ifdef PRINTGATE_EDGE_HAS_CAMERA
#include "printgate/camera/camera_service.hpp"
#else
namespace printgate::camera {
class camera_service {};  // never made: only so that unique_ptr can be destroyed
}  // namespace printgate::camera
#endif

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include "printgate/tunnel/tls_stream.hpp"
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace printgate::edge {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct edge_app::alerts {
    std::optional<webhook_notifier> webhooks;
    std::unique_ptr<mqtt_publisher> mqtt;
};

struct edge_app::listener {
    tcp::acceptor acceptor;
    explicit listener(net::any_io_executor ex) : acceptor(ex) {}
};

namespace {

// The key slicers send as X-Api-Key: from the config, else generated once and kept 0600.
std::string load_or_create_key(const std::filesystem::path& file, std::string& why) {
    std::ifstream in(file);
    std::string key;
    if (in && std::getline(in, key) && key.size() >= 32) return key;
    unsigned char raw[24];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        why = "no randomness for the API key";
        return {};
    }
    static const char* hex = "0123456789abcdef";
    key.clear();
    for (unsigned char c : raw) {
        key += hex[c >> 4];
        key += hex[c & 15];
    }
    const auto temp = file.string() + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const std::string line = key + "\n";
    if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd) != 0) {
        if (fd >= 0) ::close(fd);
        why = "cannot write " + file.string();
        return {};
    }
    ::close(fd);
    if (::rename(temp.c_str(), file.c_str()) != 0) {
        why = "cannot write " + file.string();
        return {};
    }
    return key;
}

// A client that has not finished the TLS handshake by then is dropped.
constexpr std::chrono::seconds handshake_limit{10};

net::awaitable<void> serve_tls(tcp::socket socket, std::shared_ptr<net::ssl::context> tls, http_server& http,
                               std::string peer) {
    auto ex = socket.get_executor();
    common::any_stream stream(tunnel::tls_stream(std::move(socket), *tls), peer);
    net::steady_timer limit(ex, handshake_limit);
    limit.async_wait([&stream](boost::system::error_code ec) {
        if (!ec) stream.close();
    });
    auto [hec] = co_await stream.target<tunnel::tls_stream>()->async_handshake(net::ssl::stream_base::server,
                                                                                 net::as_tuple(net::use_awaitable));
    limit.cancel();
    if (hec) {
        spdlog::debug("LAN listener: TLS with {} failed: {}", peer, hec.message());
        co_return;
    }
    // A named object: GCC 12 mishandles a braced temporary passed by value in a co_await.
    connection_info info{false, peer, true};
    co_await http.serve(std::move(stream), std::move(info));
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, http_server& http, std::shared_ptr<net::ssl::context> tls) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
        if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) continue;
        boost::system::error_code pec;
        auto ep = socket.remote_endpoint(pec);
        std::string peer = pec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
        auto ex = socket.get_executor();
        if (tls)
            net::co_spawn(ex, serve_tls(std::move(socket), tls, http, peer), net::detached);
        else
            net::co_spawn(ex, http.serve(common::any_stream(std::move(socket), peer), connection_info{false, peer}),
                          net::detached);
    }
}

}  // namespace

std::unique_ptr<edge_app> edge_app::create(net::any_io_executor ex, edge_config config, std::string& why) {
    // A file size limit (ulimit -f) must fail the one write that crosses it (an upload
    // answered 507), not kill the process that is printing.
    std::signal(SIGXFSZ, SIG_IGN);
    std::error_code ec;
    std::filesystem::create_directories(config.state_dir, ec);
    if (ec) {
        why = "cannot create the state folder " + config.state_dir.string() + ": " + ec.message();
        return nullptr;
    }
    ::chmod(config.state_dir.c_str(), 0700);
    auto history = history_store::open(config.state_dir / "edge.db", why);
    if (!history) return nullptr;
    std::string key = config.api_key;
    if (key.empty()) key = load_or_create_key(config.state_dir / "api_key", why);
    if (key.empty()) return nullptr;
    std::unique_ptr<auth::account_service> accounts;
    std::optional<lan_tls> tls;
    if (config.lan || is_lan_address(config.http_address)) {
        accounts = open_lan_accounts(config, why);
        if (!accounts) return nullptr;
        tls = load_lan_tls(config, why);
        if (!tls) return nullptr;
        spdlog::info("LAN listener: HTTPS with {}; SHA-256 fingerprint {} (compare it with the one your browser shows)",
                     tls->origin, tls->fingerprint);
    }
    auto app = std::unique_ptr<edge_app>(new edge_app(ex, std::move(config), std::move(history), std::move(key)));
    app->accounts_ = std::move(accounts);
    if (tls) app->tls_ = std::make_unique<lan_tls>(std::move(*tls));
    return app;
}

edge_app::edge_app(net::any_io_executor ex, edge_config config, std::unique_ptr<history_store> history, std::string api_key)
    : ex_(ex),
      config_(std::move(config)),
      history_(std::move(history)),
      files_(config_.state_dir / "files"),
      metadata_(config_.state_dir / "metadata.db"),
      http_(*this),
      api_key_(std::move(api_key)) {
    printer_ = std::make_unique<printer_manager>(ex_, config_, *history_);
    alerts_ = std::make_unique<alerts>();
    if (!config_.webhooks.empty())
        alerts_->webhooks.emplace(ex_, config_.webhooks, config_.webhook_attempts,
                                  std::chrono::milliseconds(config_.webhook_backoff_ms), config_.webhook_ca_file);
    if (!config_.mqtt_host.empty()) {
        mqtt_settings s;
        s.host = config_.mqtt_host;
        s.port = config_.mqtt_port;
        s.username = config_.mqtt_username;
        s.password = config_.mqtt_password;
        s.prefix = config_.mqtt_prefix;
        s.discovery_prefix = config_.mqtt_discovery_prefix;
        s.printer_id = config_.printer_id;
        s.printer_name = config_.profile.name;
        alerts_->mqtt = std::make_unique<mqtt_publisher>(s);
        if (config_.mqtt_commands)
            alerts_->mqtt->accept_commands(ex_, [this](std::string_view text) { return handle_command_text(*this, text, "mqtt"); });
        std::string why;
        if (!alerts_->mqtt->start(why)) {
            spdlog::warn("{}", why);
            alerts_->mqtt.reset();
        }
    }
    printer_->subscribe([this](const push_message& m) { on_push(m); });
    printer_->set_terminal_wanted([this] { return hub_.wants("terminal"); });
    downloads_ = std::make_unique<gcode_downloader>(ex_, config_, files_.root(), [this](const download_record& r) {
        auto data = to_json(r);
        data["event"] = r.status == "done" ? "download_done" : "download_failed";
        if (r.status == "done") metadata_.invalidate(r.file);
        publish({"event", printer_->envelope("event", std::move(data))});
    });
#ifdef PRINTGATE_EDGE_HAS_CAMERA
    if (auto kind = camera::parse_source_kind(config_.camera_kind)) {
        camera::camera_config cc;
        cc.kind = *kind;
        cc.url = config_.camera_url;
        cc.device = config_.camera_device;
        cc.width = config_.camera_width;
        cc.height = config_.camera_height;
        cc.fps = config_.camera_fps;
        cc.jpeg_quality = config_.camera_jpeg_quality;
        cc.idle_linger = std::chrono::milliseconds(config_.camera_idle_linger_ms);
        if (auto bad = camera::validate(cc); !bad.empty()) spdlog::warn("camera: {}", bad);
        else camera_ = std::make_unique<camera::camera_service>(ex_, std::vector<camera::camera_config>{cc});
        if (camera_ && config_.camera_timelapse)
            camera_->enable_timelapse({config_.state_dir / "timelapse", "", std::chrono::milliseconds(config_.camera_timelapse_interval_ms)});
    }
#endif
}

namespace {

// What is worth waking someone for: job outcomes and pauses, firmware and watchdog alerts,
// a lost printer. Not: terminal lines, temperatures, progress.
bool is_alert(const push_message& m) {
    if (m.topic == "job") return true;
    if (m.topic != "event") return false;
    const auto event = m.message["data"].value("event", "");
    return event == "alert" || event == "download_failed" || event == "disconnected" || event == "error" || event == "firmware_error" ||
           event == "timeout";
}

}  // namespace

void edge_app::on_push(const push_message& m) {
#ifdef PRINTGATE_EDGE_HAS_CAMERA
    if (camera_ && camera_->print_timelapse()) camera_->print_timelapse()->on_job_event(m.topic, m.message);
#endif
    if (!m.text.empty()) {
        hub_.publish(m.topic, m.text);  // terminal batches: text only
        return;
    }
    hub_.publish(m.topic, m.message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (is_alert(m)) {
        if (alerts_->webhooks) alerts_->webhooks->notify(m.message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        if (alerts_->mqtt) alerts_->mqtt->publish_event(m.message);
    }
    if (alerts_->mqtt && m.topic == "state") alerts_->mqtt->publish_state(m.message["data"]);
    if (alerts_->mqtt && m.topic == "temperatures") alerts_->mqtt->publish_temperatures(m.message["data"]);
}

edge_app::~edge_app() {
#ifdef PRINTGATE_EDGE_HAS_CAMERA
    if (camera_) camera_->stop();
#endif
}

bool edge_app::lan() const { return config_.lan || is_lan_address(config_.http_address); }

std::string edge_app::tls_fingerprint() const { return tls_ ? tls_->fingerprint : std::string(); }

std::uint16_t edge_app::listen(std::string& why) {
    boost::system::error_code ec;
    auto addr = net::ip::make_address(config_.http_address, ec);
    if (ec) {
        why = "http.address: '" + config_.http_address + "' is not an IP address";
        return 0;
    }
    listener_ = std::make_unique<listener>(ex_);
    tcp::endpoint ep(addr, config_.http_port);
    auto& a = listener_->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        why = "cannot listen on " + config_.http_address + ":" + std::to_string(config_.http_port) + ": " + ec.message();
        return 0;
    }
    net::co_spawn(ex_, accept_loop(a, http_, tls_ ? tls_->context : nullptr), net::detached);
    return a.local_endpoint().port();
}

void edge_app::start() { printer_->start(); }

void edge_app::stop() {
#ifdef PRINTGATE_EDGE_HAS_CAMERA
    if (camera_) camera_->stop();
#endif
    if (alerts_->webhooks) alerts_->webhooks->stop();
    downloads_->stop();
    if (listener_) {
        boost::system::error_code ec;
        listener_->acceptor.close(ec);
    }
    printer_->stop();
}

}  // namespace printgate::edge
