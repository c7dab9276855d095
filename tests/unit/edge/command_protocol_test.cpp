#include "printgate/edge/command_protocol.hpp"

#include <gtest/gtest.h>

using namespace printgate::edge;

namespace {

printer_profile profile() {
    printer_profile p;
    p.volume_x = 200;
    p.volume_y = 180;
    p.volume_z = 150;
    p.max_hotend_temp = 260;
    p.max_bed_temp = 100;
    p.extruders = 2;
    return p;
}

command_error error_of(const std::string& text) {
    auto r = parse_command(text, profile());
    EXPECT_FALSE(r.command) << text;
    return r.error;
}

}  // namespace

TEST(command_protocol, start_print) {
    auto r = parse_command(R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"a.gcode"},"id":"7"})", profile());
    ASSERT_TRUE(r.command) << r.error.message;
    EXPECT_EQ(r.command->file_name, "a.gcode");
    EXPECT_EQ(r.command->id, "7");
    EXPECT_FALSE(r.command->from_sd);
}

TEST(command_protocol, start_print_from_the_sd_card) {
    auto r = parse_command(
        R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"CUBE.GCO","origin":"sdcard"}})", profile());
    ASSERT_TRUE(r.command) << r.error.message;
    EXPECT_EQ(r.command->file_name, "CUBE.GCO");
    EXPECT_TRUE(r.command->from_sd);
    auto local = parse_command(
        R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"a.gcode","origin":"local"}})", profile());
    ASSERT_TRUE(local.command) << local.error.message;
    EXPECT_FALSE(local.command->from_sd);
    for (const char* bad : {R"("usb")", "1", "null", R"(["sdcard"])", R"("SDCARD")", R"("")"}) {
        auto e = parse_command(std::string(R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"a","origin":)") +
                                   bad + "}}",
                               profile());
        EXPECT_FALSE(e.command) << bad;
        EXPECT_EQ(e.error.field, "parameters.origin") << bad;
    }
    auto no_name = parse_command(R"({"type":"printer_control","action":"start_print","parameters":{"origin":"sdcard"}})", profile());
    EXPECT_EQ(no_name.error.field, "parameters.file_name");
}

TEST(command_protocol, temperatures_checked_against_the_profile) {
    auto r = parse_command(R"({"type":"temperature_control","action":"set_hotend","parameters":{"temperature":210,"tool":1}})", profile());
    ASSERT_TRUE(r.command) << r.error.message;
    EXPECT_EQ(r.command->gcode, std::vector<std::string>{"M104 T1 S210"});
    auto e = error_of(R"({"type":"temperature_control","action":"set_hotend","parameters":{"temperature":300},"id":5})");
    EXPECT_EQ(e.field, "parameters.temperature");
    EXPECT_EQ(e.id, 5);
    EXPECT_EQ(error_of(R"({"type":"temperature_control","action":"set_hotend","parameters":{"temperature":200,"tool":2}})").field,
              "parameters.tool");
    EXPECT_EQ(error_of(R"({"type":"temperature_control","action":"set_bed","parameters":{"temperature":"hot"}})").field,
              "parameters.temperature");
}

TEST(command_protocol, jog_checked_against_the_build_volume) {
    auto r = parse_command(R"({"type":"movement_control","action":"jog","parameters":{"axes":{"x":10,"z":-1},"speed":1200}})", profile());
    ASSERT_TRUE(r.command) << r.error.message;
    EXPECT_EQ(r.command->gcode, (std::vector<std::string>{"G91", "G0 X10 Z-1 F1200", "G90"}));
    EXPECT_EQ(error_of(R"({"type":"movement_control","action":"jog","parameters":{"axes":{"x":500}}})").field, "parameters.x");
    EXPECT_EQ(error_of(R"({"type":"movement_control","action":"jog","parameters":{"axes":{"q":1}}})").field, "parameters.axes.q");
    auto absolute = parse_command(R"({"type":"movement_control","action":"jog","parameters":{"axes":{"x":1},"relative":false}})", profile());
    ASSERT_TRUE(absolute.command);
    EXPECT_EQ(absolute.command->gcode, (std::vector<std::string>{"G90", "G0 X1 F3000", "G90"}));
    EXPECT_EQ(error_of(R"({"type":"movement_control","action":"jog","parameters":{"axes":{"x":-1},"relative":false}})").field, "parameters.x");
    EXPECT_EQ(error_of(R"({"type":"movement_control","action":"jog","parameters":{}})").field, "parameters.axes");
}

TEST(command_protocol, names_the_bad_field) {
    EXPECT_EQ(error_of("not json").field, "");
    EXPECT_EQ(error_of("[]").field, "");
    EXPECT_EQ(error_of(R"({"action":"get_status"})").field, "type");
    EXPECT_EQ(error_of(R"({"type":1,"action":"get_status"})").field, "type");
    EXPECT_EQ(error_of(R"({"type":"printer_control"})").field, "action");
    EXPECT_EQ(error_of(R"({"type":"printer_control","action":"fly"})").field, "action");
    EXPECT_EQ(error_of(R"({"type":"nope","action":"x"})").field, "type");
    EXPECT_EQ(error_of(R"({"type":"printer_control","action":"get_status","parameters":[]})").field, "parameters");
    EXPECT_EQ(error_of(R"({"type":"printer_control","action":"get_status","extra":1})").field, "extra");
    EXPECT_EQ(error_of(R"({"type":"printer_control","action":"get_status","id":{}})").field, "id");
    EXPECT_EQ(error_of(R"({"type":"printer_control","action":"start_print","parameters":{}})").field, "parameters.file_name");
    EXPECT_EQ(error_of(R"({"type":"printer_control","action":"pause_print","parameters":{"now":true}})").field, "parameters.now");
    EXPECT_EQ(error_of(R"({"type":"movement_control","action":"home","parameters":{"axes":["x","x"]}})").field, "parameters.axes");
}

TEST(command_protocol, size_limit) {
    std::string big = R"({"type":"printer_control","action":"get_status","id":")" + std::string(max_command_bytes, 'a') + "\"}";
    EXPECT_FALSE(parse_command(big, profile()).command);
}
