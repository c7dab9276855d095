// Certificate renewal end to end with the real binaries: a paired edge whose certificate is
// past two thirds of its life (issued here by the relay's own CA and recorded in its
// registry, as an old renewal would have been) connects, asks for a new certificate over the
// control stream with a fresh key, stores it, and connects with it next time.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <printgate/relay/ca_store.hpp>
#include <printgate/relay/registry.hpp>
#include <printgate/tunnel/identity.hpp>
#include <printgate/tunnel/pairing.hpp>

#include "edge_pairing.hpp"
#include "pairing_fixture.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace printgate::testing {
namespace {

using namespace std::chrono_literals;

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

TEST(renewal, an_edge_past_two_thirds_of_its_certificate_renews_with_a_fresh_key_and_reconnects_with_it) {
    temp_dir dir;
    relay_process relay(dir / "relay");
    relay.start();
    const auto edge_state = dir / "edge";
    const auto identity_dir = edge_state / "tunnel";
    ASSERT_EQ(pair_edge(relay, "printer1", edge_state), "") << relay.log();

    // Age the device: same key, a certificate from the relay's CA that began 50 days ago and
    // ends in 10 (renewal was due 10 days ago), recorded in the registry like a renewal.
    const auto now = std::chrono::system_clock::now();
    auto identity = tunnel::load_edge_identity(identity_dir);
    ASSERT_TRUE(identity) << identity.message();
    auto ca = relay::load_or_create_ca(relay.state_dir(), now);
    ASSERT_TRUE(ca) << ca.message();
    auto key = tunnel::private_key_from_pem(identity->key_pem);
    ASSERT_TRUE(key) << key.message();
    auto csr = tunnel::make_csr(**key, identity->device_id);
    ASSERT_TRUE(csr) << csr.message();
    auto aged = ca->sign_device(**csr, identity->device_id, now - 24h * 50, now + 24h * 10);
    ASSERT_TRUE(aged) << aged.message();
    const auto aged_serial = tunnel::serial_hex(**aged);
    {
        auto devices = relay::registry::open(relay.state_dir() / "registry.db");
        ASSERT_TRUE(devices) << devices.message();
        auto recorded = (*devices)->record_certificate(identity->device_id, aged_serial, tunnel::not_after_of(**aged), now);
        ASSERT_TRUE(recorded) << recorded.message();
    }
    auto aged_pem = tunnel::certificate_to_pem(**aged);
    ASSERT_TRUE(aged_pem);
    ASSERT_TRUE(tunnel::store_renewed_identity(identity_dir, identity->key_pem, *aged_pem));

    const std::vector<std::string> run = {PRINTGATE_EDGE_BIN, "run", "--demo", "--state-dir", edge_state.string(),
                                          "--sim-binary", PRINTGATE_SIM_BIN, "--tunnel-backoff-max-ms", "500"};
    {
        child_process edge(run, (dir / "edge1.out").string(), (dir / "edge1.err").string());
        ASSERT_TRUE(wait_until([&] { return has(edge.err(), "certificate renewed"); }, 60s))
            << edge.err() << "\n" << relay.log();
        EXPECT_TRUE(has(relay.log(), "renewed the certificate of device " + identity->device_id)) << relay.log();
        EXPECT_EQ(edge.stop(), 0) << edge.err();
    }

    // A fresh key and a new 60-day certificate for the same device, the key still 0600.
    auto renewed = tunnel::load_edge_identity(identity_dir);
    ASSERT_TRUE(renewed) << renewed.message();
    EXPECT_EQ(renewed->device_id, identity->device_id);
    EXPECT_NE(renewed->key_pem, identity->key_pem);
    auto cert = tunnel::certificate_from_pem(renewed->certificate_pem);
    ASSERT_TRUE(cert) << cert.message();
    EXPECT_NE(tunnel::serial_hex(**cert), aged_serial);
    EXPECT_GT(tunnel::not_after_of(**cert), now + 24h * 59);
    auto new_key = tunnel::private_key_from_pem(renewed->key_pem);
    ASSERT_TRUE(new_key);
    EXPECT_TRUE(tunnel::same_public_key(**new_key, *X509_get0_pubkey(cert->get())));
    struct stat key_stat {};
    ASSERT_EQ(::stat((identity_dir / "device.key").c_str(), &key_stat), 0);
    EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
    {
        auto devices = relay::registry::open(relay.state_dir() / "registry.db");
        ASSERT_TRUE(devices);
        auto record = (*devices)->find_by_name("printer1");
        ASSERT_TRUE(record && record->certificate_expires);
        EXPECT_GT(*record->certificate_expires, now + 24h * 59);
        EXPECT_TRUE((*devices)->admits(identity->device_id, tunnel::serial_hex(**cert), now));
    }

    // The next run connects with the new key and certificate and has nothing to renew.
    child_process edge(run, (dir / "edge2.out").string(), (dir / "edge2.err").string());
    ASSERT_TRUE(wait_until([&] { return has(edge.err(), "is up"); }, 60s)) << edge.err() << "\n" << relay.log();
    EXPECT_FALSE(has(edge.err(), "renewing the device certificate")) << edge.err();
    EXPECT_EQ(count_of(relay.log(), "renewed the certificate of device"), 1u) << relay.log();
    EXPECT_EQ(edge.stop(), 0) << edge.err();
}

}  // namespace
}  // namespace printgate::testing
