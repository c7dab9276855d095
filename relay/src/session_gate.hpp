#pragma once
// The login gate in front of every device host (NAME.ZONE). A request is admitted with
//  - a __Host-printgate cookie naming a full session (password and second factor done) of
//    an enabled account; the request counts as activity for the idle timeout; or
//  - an X-Api-Key for this device whose scopes cover the request (read: GET/HEAD/OPTIONS;
//    upload: POST/PUT under /api/files; control: everything else, WebSocket included).
// Before either, unsafe methods and WebSocket upgrades must be same-origin (fetch_guard):
// 403 otherwise. Without credentials a page request (GET/HEAD, not an API call) is sent to
// the sign-in page on the zone apex with the way back; an API call (/api/..., Accept JSON,
// a WebSocket) gets 401. GET /.printgate/enter?ticket=T ends the hand-off from the apex
// (hand_off.hpp): the device host gets its own cookie for the same session.
#include <optional>
#include <string>
#include <string_view>

#include <printgate/auth/api_key_store.hpp>

#include "auth_service.hpp"
#include "gate.hpp"

namespace printgate::relay {

// Which scope a request through an API key needs.
auth::api_scope needed_scope(std::string_view method, std::string_view target, bool websocket_upgrade);

// A call a script makes rather than a page a person opens: /api/..., Accept: application/json
// without text/html, or a WebSocket upgrade. These get 401, never a redirect.
bool is_api_request(const request_view& request);

class session_gate final : public gate {
public:
    session_gate(auth_service& auth, std::string zone);
    boost::asio::awaitable<gate_decision> check(const request_view& request, const peer_info& peer) override;

    // The decision itself, synchronous (check() just returns it): for tests.
    gate_decision decide(const request_view& request, const peer_info& peer);

private:
    gate_decision enter(const request_view& request);
    gate_decision with_api_key(const request_view& request, std::string_view presented, const peer_info& peer);
    gate_decision sign_in_needed(const request_view& request);

    auth_service& auth_;
    std::string zone_;
};

// The 401 for an API call without credentials, as JSON.
http_reply json_error(unsigned status, std::string_view message);

}  // namespace printgate::relay
