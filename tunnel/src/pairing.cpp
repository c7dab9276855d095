#include "printgate/tunnel/pairing.hpp"

#include <openssl/x509.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "printgate/tunnel/identity_files.hpp"
#include "printgate/tunnel/pairing_code.hpp"
#include "printgate/tunnel/pairing_messages.hpp"
#include "printgate/tunnel/tls.hpp"

namespace printgate::tunnel {
namespace {

namespace fs = std::filesystem;
using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

identity_result<void> check_issued(const edge_identity& id, EVP_PKEY& key, std::string_view fingerprint) {
    auto cert = certificate_from_pem(id.certificate_pem);
    if (!cert) return identity_error{"the relay sent a bad certificate: " + cert.message()};
    auto ca = certificate_from_pem(id.ca_pem);
    if (!ca) return identity_error{"the relay sent a bad CA: " + ca.message()};
    if (fingerprint_sha256(**ca) != fingerprint) return identity_error{"the relay sent a CA that is not the pinned one"};
    EVP_PKEY* pub = X509_get0_pubkey(cert->get());
    if (pub == nullptr || !same_public_key(key, *pub))
        return identity_error{"the relay's certificate is not for this device's key"};
    if (X509_check_issued(ca->get(), cert->get()) != X509_V_OK || X509_verify(cert->get(), X509_get0_pubkey(ca->get())) != 1)
        return identity_error{"the relay's certificate is not signed by its CA"};
    if (device_id_of(**cert) != id.device_id) return identity_error{"the certificate names another device"};
    return {};
}

identity_result<void> store(const fs::path& dir, const edge_identity& id) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return identity_error{"cannot create " + dir.string() + ": " + ec.message()};
    nlohmann::json meta{{"device_id", id.device_id},
                        {"name", id.name},
                        {"relay_host", id.relay_host},
                        {"relay_port", id.relay_port}};
    // relay.json last: its presence says the rest is complete.
    for (auto [file, text, mode] : {std::tuple{"device.key", id.key_pem, 0600}, {"device.pem", id.certificate_pem, 0644},
                                    {"relay-ca.pem", id.ca_pem, 0644}, {"relay.json", meta.dump(2) + "\n", 0644}}) {
        if (auto ok = write_file_atomic(dir / file, text, static_cast<mode_t>(mode)); !ok) return ok;
    }
    return {};
}

}  // namespace

net::awaitable<identity_result<edge_identity>> pair_with_relay(std::string code_text, fs::path state_dir,
                                                               std::string version) {
    auto code = parse_pairing_code(code_text);
    if (!code) co_return identity_error{code.message()};
    auto key = generate_p256_key();
    if (!key) co_return identity_error{key.message()};
    auto csr = make_csr(**key, "printgate edge");
    if (!csr) co_return identity_error{csr.message()};
    auto csr_pem = csr_to_pem(**csr);
    auto key_pem = private_key_to_pem(**key);
    if (!csr_pem || !key_pem) co_return identity_error{"cannot encode the key or CSR"};
    auto ctx = make_pairing_client_context();
    if (!ctx) co_return identity_error{ctx.message()};

    auto executor = co_await net::this_coro::executor;
    tcp::resolver resolver(executor);
    auto [rec, endpoints] = co_await resolver.async_resolve(code->host, std::to_string(code->port), use_tuple);
    if (rec) co_return identity_error{"cannot resolve " + code->host + ": " + rec.message()};
    net::ssl::stream<tcp::socket> stream(executor, **ctx);
    if (auto ok = prepare_client(stream.native_handle(), code->host, alpn_pair); !ok) co_return identity_error{ok.message()};
    auto [cec, endpoint] = co_await net::async_connect(stream.next_layer(), endpoints, use_tuple);
    (void)endpoint;
    std::string where = code->host + ":" + std::to_string(code->port);
    if (cec) co_return identity_error{"cannot connect to the relay at " + where + ": " + cec.message()};
    auto [hec] = co_await stream.async_handshake(net::ssl::stream_base::client, use_tuple);
    if (hec) co_return identity_error{"TLS handshake with the relay at " + where + " failed: " + hec.message()};
    auto pinned = verify_pinned_peer(stream.native_handle(), code->fingerprint, code->host);
    if (!pinned) co_return identity_error{pinned.message()};
    if (!is_pairing_connection(stream.native_handle()))
        co_return identity_error{"the relay at " + where + " does not offer pairing"};

    auto line = to_line(pair_request{code->code_id, code->secret, *csr_pem, version});
    auto [wec, written] = co_await net::async_write(stream, net::buffer(line), use_tuple);
    (void)written;
    if (wec) co_return identity_error{"sending the pairing request failed: " + wec.message()};
    net::streambuf buffer(max_pairing_line + 1);
    auto [rdec, n] = co_await net::async_read_until(stream, buffer, '\n', use_tuple);
    if (rdec) co_return identity_error{"the relay closed the pairing connection: " + rdec.message()};
    std::string reply(net::buffers_begin(buffer.data()), net::buffers_begin(buffer.data()) + static_cast<long>(n));
    auto response = parse_pair_response(reply);
    if (!response) co_return identity_error{"bad answer from the relay: " + response.message()};
    if (!response->ok) co_return identity_error{"the relay refused the pairing code: " + response->message};

    edge_identity id{response->device_id, response->name, code->host,           code->port,
                     std::move(*key_pem), response->certificate_pem, response->ca_pem};
    if (auto ok = check_issued(id, **key, code->fingerprint); !ok) co_return identity_error{ok.message()};
    if (auto ok = store(state_dir, id); !ok) co_return identity_error{ok.message()};
    co_await stream.async_shutdown(use_tuple);
    co_return id;
}

identity_result<edge_identity> pair_with_relay_blocking(std::string code, const fs::path& state_dir,
                                                        std::chrono::milliseconds timeout, std::string version) {
    net::io_context io;
    std::optional<identity_result<edge_identity>> out;
    net::co_spawn(io, pair_with_relay(std::move(code), state_dir, std::move(version)),
                  [&](std::exception_ptr e, identity_result<edge_identity> r) {
                      if (e) out.emplace(identity_error{"pairing failed unexpectedly"});
                      else out.emplace(std::move(r));
                  });
    io.run_for(timeout);
    if (!out) return identity_error{"the relay did not answer in time"};
    return std::move(*out);
}

identity_result<edge_identity> load_edge_identity(const fs::path& dir) {
    auto meta_text = read_small_file(dir / "relay.json", 64 * 1024);
    if (!meta_text) return identity_error{"this device is not paired (" + meta_text.message() + ")"};
    auto meta = nlohmann::json::parse(*meta_text, nullptr, false);
    edge_identity id;
    try {
        id.device_id = meta.at("device_id").get<std::string>();
        id.name = meta.at("name").get<std::string>();
        id.relay_host = meta.at("relay_host").get<std::string>();
        id.relay_port = meta.at("relay_port").get<std::uint16_t>();
    } catch (const nlohmann::json::exception&) {
        return identity_error{(dir / "relay.json").string() + " is damaged"};
    }
    auto key = read_small_file(dir / "device.key", 64 * 1024);
    auto cert = read_small_file(dir / "device.pem", 64 * 1024);
    auto ca = read_small_file(dir / "relay-ca.pem", 64 * 1024);
    if (!key || !cert || !ca) return identity_error{"the device's key or certificates are missing in " + dir.string()};
    id.key_pem = std::move(*key);
    id.certificate_pem = std::move(*cert);
    id.ca_pem = std::move(*ca);
    return id;
}

identity_result<void> store_renewed_identity(const fs::path& dir, std::string_view key_pem,
                                             std::string_view certificate_pem) {
    if (auto ok = write_file_atomic(dir / "device.key.next", key_pem, 0600); !ok) return ok;
    if (auto ok = write_file_atomic(dir / "device.pem.next", certificate_pem, 0644); !ok) return ok;
    // Both files are complete on disk before either is renamed into place; the two renames
    // are not one atomic step, so a crash between them leaves the new key with the old
    // certificate and the next handshake fails (the device must then be paired again).
    std::error_code ec;
    fs::rename(dir / "device.key.next", dir / "device.key", ec);
    if (!ec) fs::rename(dir / "device.pem.next", dir / "device.pem", ec);
    if (ec) return identity_error{"cannot install the renewed certificate: " + ec.message()};
    return {};
}

}  // namespace printgate::tunnel
