#pragma once
#include <optional>
#include <string>
#include <vector>

namespace printgate::printer {

struct serial_port_info {
    std::string path;          // /dev/ttyACM0
    std::string stable_path;   // /dev/serial/by-id/... when udev made one
    std::string description;   // what libserialport says (product name)
    std::string transport;     // usb, native, bluetooth
    int usb_vid = -1, usb_pid = -1;
    std::string usb_serial, manufacturer, product;
};

// Every serial port the system knows, with what identifies it after re-plugging.
std::vector<serial_port_info> list_serial_ports();

// Resolves "usb:VID:PID[:SERIAL]" (hex ids) to the port's current path.
std::optional<std::string> find_usb_port(const std::string& spec, std::string& error_text);

}  // namespace printgate::printer
