// The printer's home page at "/": what a person who opens the printer's address sees, through
// the relay or on the LAN, until the web UI exists. It shows the state, the temperatures, the
// job (with pause, resume and cancel) and the camera, and links to the API. The page reads
// without script; /home.js refreshes the texts every two seconds from /home/status, which
// carries them already written (common/status_text.hpp, the same words as the relay's
// printers page), so the script formats nothing and never puts markup into the page; it only
// shows the buttons that apply and sends them.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_types.hpp"
#include "printgate/common/html_escape.hpp"
#include "printgate/common/status_text.hpp"
#include "printgate/edge/edge_app.hpp"

namespace printgate::edge {
namespace {

using common::html_escape;

constexpr std::string_view content_security_policy =
    "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; style-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// A nozzle over a print bed, for the browser's tab.
constexpr std::string_view favicon_svg =
    R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">)"
    R"(<path d="M5 1h6v4H9l-1 3-1-3H5z" fill="#444"/><rect x="2" y="12" width="12" height="2" fill="#2a7"/>)"
    R"(<rect x="6" y="10" width="4" height="2" fill="#2a7"/></svg>)";

constexpr std::string_view home_css =
    R"(body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 52rem; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; }
.state { font-size: 1.2rem; margin-top: 0; }
.camera img { width: 100%; max-width: 640px; background: #ddd; aspect-ratio: 4 / 3; }
progress { width: 100%; max-width: 640px; height: 1rem; }
.stale, #answer { color: #a00; }
nav { font-size: 0.9rem; }
footer { margin-top: 2rem; font-size: 0.85rem; color: #555; }
)";

// Refreshes the texts from /home/status (textContent only: whatever a file is called, it is
// shown as text) and shows the job's buttons that apply; a button POSTs /api/v1/job, a
// same-origin JSON request that the relay's gate and the LAN session admit like any other.
constexpr std::string_view home_js = R"('use strict';
(function () {
  const fields = ['state', 'temperatures', 'job'];
  const actions = ['pause', 'resume', 'cancel'];
  const progress = document.getElementById('progress');
  const stale = document.getElementById('stale');
  const answer = document.getElementById('answer');
  async function refresh() {
    try {
      const res = await fetch('/home/status', { cache: 'no-store', credentials: 'same-origin' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const status = await res.json();
      for (const name of fields) document.getElementById(name).textContent = status[name];
      progress.hidden = typeof status.fraction !== 'number';
      if (!progress.hidden) progress.value = status.fraction;
      for (const action of actions) document.getElementById(action).hidden = !status.actions.includes(action);
      stale.hidden = true;
    } catch (e) {
      stale.textContent = 'No fresh status from the printer (' + e.message + '): the texts above may be old. ' +
        'Reloading the page signs you in again if your session ended.';
      stale.hidden = false;
    }
  }
  async function send(action) {
    if (action === 'cancel' && !window.confirm('Cancel the print? It cannot be resumed.')) return;
    answer.textContent = '';
    try {
      const res = await fetch('/api/v1/job', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ action: action }),
      });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        answer.textContent = 'The printer refused: ' + (body.error || 'HTTP ' + res.status);
      }
    } catch (e) {
      answer.textContent = 'Not sent: ' + e.message;
    }
    refresh();
  }
  for (const action of actions) document.getElementById(action).addEventListener('click', () => send(action));
  refresh();
  setInterval(refresh, 2000);
})();
)";

struct status_texts {
    std::string state, temperatures, job;
    std::optional<double> fraction;    // of the active job, 0..1
    std::vector<std::string> actions;  // what POST /api/v1/job accepts now: pause, resume, cancel
};

status_texts current_status(edge_app& app) {
    auto& printer = app.printer();
    const auto job = printer.job_json();
    const auto state = printer.state_json();
    status_texts out{common::state_text(state),
                     common::temperatures_text(printer.temperatures_json()),
                     common::job_text(job),
                     std::nullopt,
                     {}};
    const auto controls = common::job_controls_of(state);
    if (controls.pause) out.actions.push_back("pause");
    if (controls.resume) out.actions.push_back("resume");
    if (controls.in_job) out.actions.push_back("cancel");
    if (out.state.empty()) out.state = "unknown";
    if (out.temperatures.empty()) out.temperatures = "no readings yet";
    if (out.job.empty()) {
        out.job = "No print is running.";
    } else if (const auto f = common::json_number(job, "fraction"); f && *f >= 0 && *f <= 1) {
        out.fraction = *f;
    }
    return out;
}

// Through the relay: links back to its pages on the zone apex, and who is signed in. The
// relay sets X-Forwarded-Host to the device host the browser asked for (NAME.ZONE[:PORT]) and
// X-Printgate-User; both count only on a tunnel stream. A host with other characters than
// a host name and port may have is left out.
std::string relay_links(const route_context& ctx) {
    if (!ctx.info.via_tunnel) return {};
    const auto value = ctx.req["X-Forwarded-Host"];
    const std::string_view host(value.data(), value.size());
    const auto dot = host.find('.');
    const bool plain = !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':';
    });
    if (!plain || dot == std::string_view::npos || dot + 1 >= host.size()) return {};
    const std::string apex = "https://" + std::string(host.substr(dot + 1));
    std::string out = "<nav><a href=\"" + html_escape(apex) + "/printers\">All printers</a> · <a href=\"" +
                      html_escape(apex) + "/\">Account</a>";
    if (!ctx.user.empty()) out += " · signed in as " + html_escape(ctx.user);
    return out + "</nav>\n";
}

response with_headers(response res) {
    res.set("Content-Security-Policy", content_security_policy);
    res.set("Referrer-Policy", "no-referrer");
    return res;
}

response home_page(route_context& ctx) {
    auto& app = ctx.app;
    const auto status = current_status(app);
    const auto name = html_escape(app.printer().profile().name);
    std::string body =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
        name +
        " - printgate</title><link rel=\"icon\" href=\"/favicon.svg\"><link rel=\"stylesheet\" "
        "href=\"/home.css\"><script src=\"/home.js\" defer></script>"
        "</head><body>\n" +
        relay_links(ctx) + "<h1>" + name + "</h1>\n<p class=\"state\" id=\"state\">" + html_escape(status.state) +
        "</p>\n";
    if (app.camera())
        body +=
            "<p class=\"camera\"><img id=\"camera\" src=\"/webcam/?action=stream\" alt=\"The printer's camera\"></p>\n";
    body += "<h2>Job</h2>\n<p id=\"job\">" + html_escape(status.job) + "</p>\n<progress id=\"progress\" max=\"1\"";
    body += status.fraction ? " value=\"" + std::to_string(*status.fraction) + "\">" : " hidden>";
    // Shown by the script, which is what makes them work.
    body +=
        "</progress>\n<p id=\"controls\"><button type=\"button\" id=\"pause\" hidden>Pause</button> "
        "<button type=\"button\" id=\"resume\" hidden>Resume</button> "
        "<button type=\"button\" id=\"cancel\" hidden>Cancel the print</button></p>\n"
        "<p id=\"answer\" role=\"status\"></p>\n";
    body += "<h2>Temperatures</h2>\n<p id=\"temperatures\">" + html_escape(status.temperatures) +
            "</p>\n<p class=\"stale\" id=\"stale\" role=\"alert\" hidden></p>\n"
            "<h2>API</h2>\n<ul>"
            "<li><a href=\"/api/v1/state\">/api/v1/state</a>: state, temperatures and job</li>"
            "<li><a href=\"/api/v1/files\">/api/v1/files</a>: the stored G-code (upload with POST)</li>"
            "<li><a href=\"/api/v1/job\">/api/v1/job</a>: the job (pause, resume, cancel with POST)</li>"
            "<li><a href=\"/api/v1/history\">/api/v1/history</a>: past prints</li>";
    if (app.camera()) body += "<li><a href=\"/webcam/?action=snapshot\">/webcam/?action=snapshot</a>: one picture</li>";
    body +=
        "</ul>\n<footer>printgate edge. The full web UI is not written yet; the API, its WebSocket and the "
        "command protocol are described in docs/edge-api.md.</footer>\n</body></html>\n";
    return with_headers(text_response(ctx.req, http::status::ok, std::move(body), "text/html; charset=utf-8"));
}

response status_reply(route_context& ctx) {
    const auto status = current_status(ctx.app);
    nlohmann::json out = {{"state", status.state}, {"temperatures", status.temperatures}, {"job", status.job}};
    out["fraction"] = status.fraction ? nlohmann::json(*status.fraction) : nlohmann::json(nullptr);
    out["actions"] = status.actions;
    return json_response(ctx.req, http::status::ok, out);
}

}  // namespace

std::optional<response> route_home(route_context& ctx) {
    const auto& req = ctx.req;
    const bool page = ctx.path == "/" || ctx.path == "/home.js" || ctx.path == "/home.css" ||
                      ctx.path == "/home/status" || ctx.path == "/favicon.svg";
    if (!page) return std::nullopt;
    if (req.method() != http::verb::get) return error_response(req, http::status::method_not_allowed, "GET only");
    if (ctx.path == "/") return home_page(ctx);
    if (ctx.path == "/home/status") return status_reply(ctx);
    if (ctx.path == "/home.js")
        return with_headers(
            text_response(req, http::status::ok, std::string(home_js), "text/javascript; charset=utf-8"));
    if (ctx.path == "/favicon.svg")
        return with_headers(text_response(req, http::status::ok, std::string(favicon_svg), "image/svg+xml"));
    return with_headers(text_response(req, http::status::ok, std::string(home_css), "text/css; charset=utf-8"));
}

}  // namespace printgate::edge
