#pragma once
// The edge application: configuration, printer manager, files, history, pushes and the HTTP
// server, wired together. The tunnel client hands its streams to http().serve().
#include "printgate/edge/edge_config.hpp"
#include "printgate/edge/file_store.hpp"
#include "printgate/edge/history_store.hpp"
#include "printgate/edge/http_server.hpp"
#include "printgate/edge/metadata_cache.hpp"
#include "printgate/edge/printer_manager.hpp"
#include "printgate/edge/push_hub.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

namespace printgate::camera {
class camera_service;
}
namespace printgate::auth {
class account_service;
}

namespace printgate::edge {

class gcode_downloader;
struct lan_tls;

class edge_app {
public:
    // Creates the state folder, opens the history, loads or creates the API key.
    static std::unique_ptr<edge_app> create(boost::asio::any_io_executor ex, edge_config config, std::string& why);
    ~edge_app();

    // Binds the loopback (or LAN) listener; returns the bound port, 0 with `why` on failure.
    std::uint16_t listen(std::string& why);
    void start();  // printer auto-connect
    void stop();   // closes the listener and the printer

    const edge_config& config() const { return config_; }
    printer_manager& printer() { return *printer_; }
    file_store& files() { return files_; }
    history_store& history() { return *history_; }
    metadata_cache& metadata() { return metadata_; }  // STATE/metadata.db
    push_hub& hub() { return hub_; }
    http_server& http() { return http_; }
    const std::string& api_key() const { return api_key_; }
    // The webcam service (edge/camera/), or nullptr when none is configured or built.
    camera::camera_service* camera() { return camera_.get(); }
    bool lan() const;  // the listener is reachable from other machines (or http.lan)
    // The LAN listener's certificate fingerprint (SHA-256, "AB:CD:..."); "" on plain HTTP.
    std::string tls_fingerprint() const;
    // The accounts that may sign in on the LAN listener (STATE_DIR/auth.db); nullptr on loopback.
    auth::account_service* accounts() { return accounts_.get(); }
    gcode_downloader& downloads() { return *downloads_; }
    // To WebSocket clients, and to webhooks and MQTT when it is an alert.
    void publish(const push_message& m) { on_push(m); }

private:
    edge_app(boost::asio::any_io_executor ex, edge_config config, std::unique_ptr<history_store> history,
             std::string api_key);
    struct listener;
    struct alerts;
    void on_push(const push_message& m);

    boost::asio::any_io_executor ex_;
    edge_config config_;
    std::unique_ptr<history_store> history_;
    file_store files_;
    metadata_cache metadata_;
    std::unique_ptr<printer_manager> printer_;
    push_hub hub_;
    http_server http_;
    std::string api_key_;
    std::unique_ptr<listener> listener_;
    std::unique_ptr<alerts> alerts_;
    std::unique_ptr<camera::camera_service> camera_;
    std::unique_ptr<gcode_downloader> downloads_;
    std::unique_ptr<auth::account_service> accounts_;
    std::unique_ptr<lan_tls> tls_;  // HTTPS on the LAN listener
};

}  // namespace printgate::edge
