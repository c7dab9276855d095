#include "printgate/tunnel/pairing_messages.hpp"

#include <nlohmann/json.hpp>

namespace printgate::tunnel {
namespace {

using json = nlohmann::json;

identity_result<json> parse_object(std::string_view line, std::string_view type) {
    if (line.size() > max_pairing_line) return identity_error{"pairing message too large"};
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return identity_error{"pairing message is not a JSON object"};
    auto t = j.find("type");
    if (t == j.end() || !t->is_string() || t->get<std::string>() != type)
        return identity_error{"pairing message has the wrong type (want " + std::string(type) + ")"};
    return j;
}

bool get_string(const json& j, const char* key, std::string& out, bool required = true) {
    auto it = j.find(key);
    if (it == j.end()) return !required;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

}  // namespace

std::string to_line(const pair_request& r) {
    json j{{"type", "pair_request"}, {"code", r.code_id}, {"secret", r.secret}, {"csr", r.csr_pem},
           {"version", r.version}};
    return j.dump() + "\n";
}

std::string to_line(const pair_response& r) {
    json j{{"type", "pair_result"}, {"ok", r.ok}};
    if (r.ok) {
        j["device_id"] = r.device_id;
        j["name"] = r.name;
        j["certificate"] = r.certificate_pem;
        j["ca"] = r.ca_pem;
    } else {
        j["reason"] = r.reason;
        j["message"] = r.message;
    }
    // Replace invalid UTF-8 rather than throw: messages may quote what a peer sent.
    return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

identity_result<pair_request> parse_pair_request(std::string_view line) {
    auto j = parse_object(line, "pair_request");
    if (!j) return identity_error{j.message()};
    pair_request r;
    if (!get_string(*j, "code", r.code_id) || !get_string(*j, "secret", r.secret) ||
        !get_string(*j, "csr", r.csr_pem) || !get_string(*j, "version", r.version, false))
        return identity_error{"pair_request needs string fields code, secret and csr"};
    if (r.code_id.size() > 64 || r.secret.size() > 128 || r.version.size() > 64)
        return identity_error{"pair_request field too long"};
    return r;
}

identity_result<pair_response> parse_pair_response(std::string_view line) {
    auto j = parse_object(line, "pair_result");
    if (!j) return identity_error{j.message()};
    pair_response r;
    auto ok = j->find("ok");
    if (ok == j->end() || !ok->is_boolean()) return identity_error{"pair_result needs a boolean ok"};
    r.ok = ok->get<bool>();
    if (r.ok) {
        if (!get_string(*j, "device_id", r.device_id) || !get_string(*j, "name", r.name) ||
            !get_string(*j, "certificate", r.certificate_pem) || !get_string(*j, "ca", r.ca_pem))
            return identity_error{"pair_result needs device_id, name, certificate and ca"};
    } else if (!get_string(*j, "reason", r.reason) || !get_string(*j, "message", r.message)) {
        return identity_error{"a refused pair_result needs reason and message"};
    }
    return r;
}

}  // namespace printgate::tunnel
