#include "commands.hpp"
#include "printgate/printer/serial_ports.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace printgate::edge {

command_runner add_ports_command(CLI::App& app) {
    auto json = std::make_shared<bool>(false);
    app.add_flag("--json", *json, "machine-readable output");
    return [json] {
        auto ports = printer::list_serial_ports();
        if (*json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& p : ports) {
                nlohmann::json j{{"path", p.path},         {"stable_path", p.stable_path},
                                 {"description", p.description}, {"transport", p.transport},
                                 {"manufacturer", p.manufacturer}, {"product", p.product},
                                 {"serial", p.usb_serial}};
                if (p.usb_vid >= 0) j["usb"] = fmt::format("usb:{:04x}:{:04x}", p.usb_vid, p.usb_pid);
                out.push_back(j);
            }
            std::cout << out.dump(2) << "\n";
            return 0;
        }
        if (ports.empty()) {
            std::cout << "no serial ports found (a printer on USB shows up as /dev/ttyACM* or /dev/ttyUSB*)\n";
            return 0;
        }
        for (const auto& p : ports) {
            std::cout << p.path << "  " << p.description;
            if (p.usb_vid >= 0) std::cout << fmt::format("  [usb:{:04x}:{:04x}{}]", p.usb_vid, p.usb_pid, p.usb_serial.empty() ? "" : ":" + p.usb_serial);
            if (!p.stable_path.empty()) std::cout << "\n    " << p.stable_path;
            std::cout << "\n";
        }
        return 0;
    };
}

}  // namespace printgate::edge
