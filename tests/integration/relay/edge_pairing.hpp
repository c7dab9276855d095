#pragma once
// A real edge paired to a real relay: `printgate-edge pair` with a fresh code from
// `printgate-relay device add` (kept apart from pairing_fixture.hpp so that the relay-only
// tests do not wait for the edge binary).
#include <chrono>
#include <filesystem>
#include <string>

#include "pairing_fixture.hpp"
#include "process.hpp"

namespace printgate::testing {

// Pairs the edge state directory `edge_state` as device NAME of `relay` (the command's output
// beside it). Empty on success, else what went wrong and what the command said.
inline std::string pair_edge(relay_process& relay, const std::string& name, const std::filesystem::path& edge_state) {
    const auto code = relay.add_device(name);
    if (code.empty()) return "no pairing code for " + name;
    const auto base = edge_state.string() + "-pair";
    child_process p({PRINTGATE_EDGE_BIN, "pair", code, "--state-dir", edge_state.string()}, base + ".out",
                    base + ".err");
    auto status = p.wait(std::chrono::seconds(60));
    if (status && *status == 0) return {};
    return "printgate-edge pair: " + (status ? "exit " + std::to_string(*status) : std::string("timeout")) + "\n" +
           p.out() + p.err();
}

}  // namespace printgate::testing
