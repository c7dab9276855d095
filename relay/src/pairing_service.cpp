#include "pairing_service.hpp"

#include <spdlog/spdlog.h>


namespace printgate::relay {
namespace {

const char* reason_name(pairing_refusal r) {
    switch (r) {
        case pairing_refusal::unknown_code: return "unknown_code";
        case pairing_refusal::wrong_secret: return "wrong_secret";
        case pairing_refusal::expired: return "expired";
        case pairing_refusal::used: return "used";
        case pairing_refusal::exhausted: return "exhausted";
        case pairing_refusal::name_taken: return "name_taken";
        case pairing_refusal::signing: return "bad_request";
        case pairing_refusal::storage: return "internal";
    }
    return "internal";
}

tunnel::pair_response refuse(std::string reason, std::string message) {
    tunnel::pair_response r;
    r.reason = std::move(reason);
    r.message = std::move(message);
    return r;
}

}  // namespace

tunnel::pair_response answer_pairing(std::string_view line, registry& devices, const tunnel::identity_authority& ca,
                                     tunnel::wall_time now) {
    auto request = tunnel::parse_pair_request(line);
    if (!request) return refuse("bad_request", request.message());
    auto csr = tunnel::csr_from_pem(request->csr_pem);
    if (!csr) return refuse("bad_request", csr.message());
    auto outcome = devices.redeem_pairing_code(
        request->code_id, request->secret, now,
        [&](const std::string& device_id) -> identity_result<issued_certificate> {
            auto cert = ca.sign_device(**csr, device_id, now - std::chrono::minutes(5),
                                       now + tunnel::device_certificate_lifetime);
            if (!cert) return identity_error{cert.message()};
            auto pem = tunnel::certificate_to_pem(**cert);
            if (!pem) return identity_error{pem.message()};
            return issued_certificate{tunnel::serial_hex(**cert), tunnel::not_after_of(**cert), *pem};
        });
    if (auto* failed = std::get_if<pairing_failure>(&outcome)) {
        spdlog::warn("pairing refused: {}", failed->message);
        return refuse(reason_name(failed->reason), failed->message);
    }
    auto& done = std::get<registry::paired>(outcome);
    spdlog::info("paired device {} ({}), certificate {}", done.device.name, done.device.id, done.certificate.serial);
    tunnel::pair_response r;
    r.ok = true;
    r.device_id = done.device.id;
    r.name = done.device.name;
    r.certificate_pem = done.certificate.pem;
    r.ca_pem = ca.certificate_pem();
    return r;
}

}  // namespace printgate::relay
