// The printers page on the zone apex (/printers): every paired printer with what its control
// stream said last (online, or offline since when; state, temperatures, the job, the answer
// to the last command), and pause / resume / cancel sent to it over that stream. What a
// device sends is not trusted: only known fields of the expected type are shown, strings are
// cut short and escaped, numbers must be finite (common/status_text.hpp).

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <printgate/common/status_text.hpp>

#include <printgate/auth/audit_log.hpp>

#include "auth_pages.hpp"
#include "auth_pages_call.hpp"
#include "http_host.hpp"
#include "offline_page.hpp"

namespace printgate::relay {
namespace {

using common::json_member;
using common::json_text;
using common::job_controls;
using common::job_controls_of;
using common::job_text;
using common::state_text;
using common::temperatures_text;

struct command_choice {
    std::string_view action;  // the command protocol's printer_control action
    std::string_view label;
};

constexpr command_choice command_choices[] = {
    {"pause_print", "Pause"},
    {"resume_print", "Resume"},
    {"stop_print", "Cancel the print"},
};

const command_choice* find_choice(std::string_view action) {
    for (const auto& c : command_choices)
        if (c.action == action) return &c;
    return nullptr;
}

std::string command_form(std::string_view device, const command_choice& choice, std::string_view csrf) {
    std::string form = form_open("/printers/command", "inline") + hidden_field("csrf", csrf) +
                       hidden_field("device", device) + hidden_field("action", choice.action);
    if (choice.action == "stop_print")
        form += "<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> sure</label>";
    return form + "<button>" + html_escape(choice.label) + "</button></form>";
}

struct row_input {
    const device_record& device;
    const device_presence& presence;
    const std::optional<control_directory::device_view>& control;
    std::string_view zone;
    std::optional<std::uint16_t> port;
    std::string_view csrf;
    std::chrono::system_clock::time_point now;
};

std::string connection_cell(const row_input& in) {
    if (in.presence.online) {
        if (in.control && in.control->online) return "online since " + format_utc_minute(in.control->since);
        return "online";
    }
    if (in.presence.last_seen == std::chrono::system_clock::time_point{}) return "offline, not seen since the relay started";
    return "offline since " + format_utc_minute(in.presence.last_seen) + " (" +
           format_age(in.now - in.presence.last_seen) + ")";
}

std::string printer_row(const row_input& in) {
    const auto name = in.device.name;
    std::string state, temperatures, job, event, reply, buttons;
    if (in.control) {
        const auto& status = in.control->status;
        const auto* state_data = json_member(status, "state");
        if (state_data) state = state_text(*state_data);
        if (const auto* t = json_member(status, "temperatures")) temperatures = temperatures_text(*t);
        const auto controls = state_data ? job_controls_of(*state_data) : job_controls{};
        // A job is shown while the printer prints or is paused; the last progress push may
        // still say active for a moment after a cancel.
        if (const auto* p = json_member(status, "progress"); p && controls.in_job) job = job_text(*p);
        event = json_text(in.control->last_event, "event");
        if (in.control->reply_at) {
            const auto& r = in.control->last_reply;
            reply = "last command " + json_text(r, "id") + ": " + json_text(r, "type");
            if (auto why = json_text(r, "message"); !why.empty()) reply += ", " + why;
        }
        if (in.presence.online && state_data) {
            if (controls.pause) buttons += command_form(name, command_choices[0], in.csrf);
            if (controls.resume) buttons += command_form(name, command_choices[1], in.csrf);
            if (controls.in_job) buttons += command_form(name, command_choices[2], in.csrf);
        }
    }
    std::string row = "<tr id=\"printer-" + html_escape(name) + "\"><td>" +
                      link(device_origin(name, in.zone, in.port) + "/", name) + "</td><td class=\"connection\">" +
                      html_escape(connection_cell(in)) + "</td><td class=\"state\">" +
                      html_escape(state.empty() ? "unknown" : state);
    if (!event.empty()) row += "<br><small>last event: " + html_escape(event) + "</small>";
    row += "</td><td class=\"temperatures\">" + html_escape(temperatures) + "</td><td class=\"job\">" +
           html_escape(job.empty() ? "no job" : job) + "</td><td class=\"commands\">" + buttons;
    if (!reply.empty()) row += "<br><small class=\"reply\">" + html_escape(reply) + "</small>";
    return row + "</td></tr>\n";
}

}  // namespace

http_reply auth_pages::printers(call& c) {
    if (!c.user) return needs_sign_in();
    if (!printers_) return html_page(404, "Not found", "This relay has no printers page.");
    if (c.path == "/printers/command") return c.post ? printer_command(c) : see_other("/printers");
    if (c.post) return html_page(405, "Method not allowed", "This page can only be read.");

    const auto csrf = auth_.csrf_token(c.session_token);
    const auto now = std::chrono::system_clock::now();
    std::string notice;
    const auto sent_to = c.query.value("sent");
    if (const auto* choice = find_choice(c.query.value("action")); choice && is_valid_label(sent_to))
        notice = paragraph(std::string(choice->label) + " was sent to " + std::string(sent_to) +
                           "; its answer shows in the printer's row when it comes.");

    const auto devices = printers_->devices.devices(false);
    std::string body;
    if (devices.empty()) {
        body = paragraph("No printer is paired yet. On the relay run printgate-relay device add NAME, then on the "
                         "printer's computer printgate-edge pair CODE with the code it prints.");
    } else {
        body = "<table id=\"printers\"><tr><th>Printer</th><th>Connection</th><th>State</th><th>Temperatures</th>"
               "<th>Job</th><th></th></tr>\n";
        const auto port = port_of_host(c.request.host);
        for (const auto& d : devices) {
            const auto presence = printers_->tunnels.presence(d.name);
            const auto control = printers_->control.find(d.id);
            body += printer_row({d, presence, control, zone_, port, csrf, now});
        }
        body += "</table>\n";
    }
    auto page = layout_page(200, "Printers", nav() + notice + body);
    // No script on relay pages: the browser reloads the page itself.
    page.headers.emplace_back("Refresh", "15; url=/printers");
    return page;
}

http_reply auth_pages::printer_command(call& c) {
    if (!auth_.csrf_matches(c.session_token, c.form.value("csrf"))) return bad_token();
    const auto name = c.form.value("device");
    const auto* choice = find_choice(c.form.value("action"));
    if (!is_valid_label(name) || !choice)
        return layout_page(400, "Printers", nav() + error_box("Name a printer and one of pause, resume or cancel."));
    if (choice->action == "stop_print" && c.form.value("confirm") != "yes")
        return layout_page(400, "Printers",
                           nav() + error_box("Tick the box beside the button to confirm that the print should be "
                                             "cancelled. Nothing was sent."));
    const auto device = printers_->devices.find_by_name(name);
    if (!device || device->revoked_at)
        return layout_page(404, "Printers", nav() + error_box("There is no printer called " + std::string(name) + "."));

    const std::string id = "relay-" + std::to_string(++commands_sent_);
    const nlohmann::json command = {{"type", "printer_control"}, {"action", choice->action}, {"id", id}};
    if (!printers_->control.send(device->id, command))
        return layout_page(503, "Printers",
                           nav() + error_box(std::string(name) + " is not connected; nothing was sent."));
    const std::string detail = std::string(name) + " " + std::string(choice->action) + " " + id;
    (void)auth_.audit.record({auth::audit_event::printer_command, c.user->user_id, c.user->name, c.address, detail});
    spdlog::info("relay: {} sent {} to {} ({})", c.user->name, choice->action, device->name, id);
    return see_other("/printers?sent=" + std::string(name) + "&action=" + std::string(choice->action));
}

}  // namespace printgate::relay
