#include "printgate/printer/serial_ports.hpp"

#include <libserialport.h>

#include <charconv>
#include <filesystem>
#include <system_error>

namespace printgate::printer {

namespace {

std::string text_or_empty(const char* s) { return s ? std::string(s) : std::string(); }

std::string transport_name(sp_transport t) {
    switch (t) {
    case SP_TRANSPORT_USB: return "usb";
    case SP_TRANSPORT_BLUETOOTH: return "bluetooth";
    default: return "native";
    }
}

// /dev/serial/by-id/* links survive re-plugging and name the device.
std::string stable_path_for(const std::string& path) {
    std::error_code ec;
    const std::filesystem::path dir("/dev/serial/by-id");
    if (!std::filesystem::is_directory(dir, ec)) return {};
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        auto target = std::filesystem::canonical(entry.path(), ec);
        if (!ec && target == std::filesystem::path(path)) return entry.path().string();
    }
    return {};
}

bool parse_hex(std::string_view s, int& out) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
    return ec == std::errc{} && ptr == s.data() + s.size();
}

}  // namespace

std::vector<serial_port_info> list_serial_ports() {
    std::vector<serial_port_info> ports;
    sp_port** list = nullptr;
    if (sp_list_ports(&list) != SP_OK) return ports;
    for (sp_port** p = list; *p != nullptr; ++p) {
        serial_port_info info;
        info.path = text_or_empty(sp_get_port_name(*p));
        info.description = text_or_empty(sp_get_port_description(*p));
        auto transport = sp_get_port_transport(*p);
        info.transport = transport_name(transport);
        if (transport == SP_TRANSPORT_USB) {
            sp_get_port_usb_vid_pid(*p, &info.usb_vid, &info.usb_pid);
            info.usb_serial = text_or_empty(sp_get_port_usb_serial(*p));
            info.manufacturer = text_or_empty(sp_get_port_usb_manufacturer(*p));
            info.product = text_or_empty(sp_get_port_usb_product(*p));
        }
        info.stable_path = stable_path_for(info.path);
        ports.push_back(std::move(info));
    }
    sp_free_port_list(list);
    return ports;
}

std::optional<std::string> find_usb_port(const std::string& spec, std::string& error_text) {
    // usb:VID:PID[:SERIAL]
    std::string_view rest(spec);
    rest.remove_prefix(4);
    auto colon = rest.find(':');
    int vid = -1, pid = -1;
    if (colon == std::string_view::npos || !parse_hex(rest.substr(0, colon), vid)) {
        error_text = "expected usb:VID:PID[:SERIAL] with hexadecimal ids, got '" + spec + "'";
        return std::nullopt;
    }
    rest.remove_prefix(colon + 1);
    colon = rest.find(':');
    std::string serial;
    if (!parse_hex(rest.substr(0, colon), pid)) {
        error_text = "expected usb:VID:PID[:SERIAL] with hexadecimal ids, got '" + spec + "'";
        return std::nullopt;
    }
    if (colon != std::string_view::npos) serial = std::string(rest.substr(colon + 1));
    for (const auto& port : list_serial_ports()) {
        if (port.usb_vid == vid && port.usb_pid == pid && (serial.empty() || port.usb_serial == serial))
            return port.path;
    }
    error_text = "no USB serial device " + spec + " is plugged in";
    return std::nullopt;
}

}  // namespace printgate::printer
