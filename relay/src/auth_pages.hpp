#pragma once
// The relay's own pages on the zone apex, server-rendered and usable without JavaScript:
//   /setup?token=T      first-time set-up: the owner account (token printed by `serve`)
//   /signin             name and password            -> /second-factor or /enroll
//   /second-factor      TOTP code or a recovery code -> back to the printer (hand-off)
//   /enroll             mandatory TOTP enrolment: QR code and secret, then the ten
//                       recovery codes, shown once
//   /continue           a signed-in browser on its way to a printer (hand-off ticket)
//   /                   the account page; /password, /sessions, /audit, /api-keys; /signout
//   /printers           every paired printer: online or since when offline, state,
//                       temperatures, the job; pause / resume / cancel over the control stream
// Every POST must be same-origin (Origin / Sec-Fetch-Site); forms of a signed-in account
// also carry a per-session token. Argon2 work (sign-in, set-up, password change) runs on
// the auth_service's worker pool, never on the I/O thread.
#include <optional>
#include <string>
#include <string_view>

#include "auth_service.hpp"
#include "control_service.hpp"
#include "device_directory.hpp"
#include "form.hpp"
#include "http_page_handler.hpp"
#include "return_target.hpp"

namespace printgate::relay {

// The tunnel side the printers page reads and commands.
struct printer_sources {
    registry& devices;           // every paired printer
    device_directory& tunnels;   // online, or last seen
    control_directory& control;  // status, events and command replies from the control streams
};

class auth_pages final : public page_handler {
public:
    // Without `printers` (nullptr) the printers page answers 404.
    auth_pages(auth_service& auth, std::string zone, const printer_sources* printers = nullptr);
    boost::asio::awaitable<http_reply> handle(const request_view& request, std::string_view body,
                                              const peer_info& peer) override;

private:
    struct call;  // one request, parsed
    boost::asio::awaitable<http_reply> route(call& c);

    // The sign-in journey (auth_pages.cpp).
    boost::asio::awaitable<http_reply> setup(call& c);
    boost::asio::awaitable<http_reply> sign_in(call& c);
    http_reply second_factor(call& c);
    http_reply enroll(call& c);
    http_reply continue_to_device(call& c);
    http_reply signed_in(call& c, auth::login_result& r);
    http_reply sign_in_form(call& c, unsigned status, std::string_view message);

    // The account pages (account_pages.cpp).
    http_reply account(call& c);
    boost::asio::awaitable<http_reply> change_password(call& c);
    http_reply sessions(call& c);
    http_reply audit(call& c);
    http_reply api_keys(call& c);
    http_reply sign_out(call& c);

    // The printers page (printer_pages.cpp).
    http_reply printers(call& c);
    http_reply printer_command(call& c);

    http_reply finish(http_reply reply) const;

    auth_service& auth_;
    std::string zone_;
    const printer_sources* printers_;
    std::uint64_t commands_sent_ = 0;
    std::string form_targets_;
    std::atomic<bool> setup_running_{false};
};

}  // namespace printgate::relay
