#include "printgate/printer/firmware_reply.hpp"

#include <gtest/gtest.h>

using namespace printgate::printer;
using kind = firmware_reply::kind;

TEST(firmware_reply, ok_plain_and_advanced) {
    EXPECT_EQ(parse_reply("ok").what, kind::ok);
    auto r = parse_reply("ok N123 P15 B3");
    EXPECT_EQ(r.what, kind::ok);
    EXPECT_TRUE(r.has_line_number);
    EXPECT_EQ(r.line_number, 123u);
    EXPECT_EQ(r.planner_free, 15);
    EXPECT_EQ(r.buffer_free, 3);
    auto t = parse_reply("ok T:21.00 /0.00 B:21.00 /0.00 @:0 B@:0");
    EXPECT_EQ(t.what, kind::ok);
    EXPECT_FALSE(t.has_line_number);
    EXPECT_EQ(t.buffer_free, -1);
}

TEST(firmware_reply, resend_forms) {
    for (auto line : {"Resend: 42", "Resend:42", "rs N42", "resend: 42"}) {
        auto r = parse_reply(line);
        EXPECT_EQ(r.what, kind::resend) << line;
        EXPECT_EQ(r.line_number, 42u) << line;
    }
    EXPECT_EQ(parse_reply("Resend: banana").what, kind::error);
}

TEST(firmware_reply, busy_wait_start) {
    auto b = parse_reply("echo:busy: processing");
    EXPECT_EQ(b.what, kind::busy);
    EXPECT_EQ(b.text, "processing");
    EXPECT_EQ(parse_reply("busy: paused for user").what, kind::busy);
    EXPECT_EQ(parse_reply("wait").what, kind::wait);
    EXPECT_EQ(parse_reply("start").what, kind::start);
}

TEST(firmware_reply, errors_fatal_or_not) {
    EXPECT_EQ(parse_reply("Error:checksum mismatch, Last Line: 9").what, kind::error);
    EXPECT_EQ(parse_reply("Error:Thermal Runaway, system stopped! Heater_ID: 0").what, kind::fatal);
    EXPECT_EQ(parse_reply("Error:Printer halted. kill() called!").what, kind::fatal);
    EXPECT_EQ(parse_reply("!! heater decoupled").what, kind::fatal);
    EXPECT_EQ(parse_reply("Error:MINTEMP triggered, system stopped!").what, kind::fatal);
}

TEST(firmware_reply, actions_and_capabilities) {
    auto a = parse_reply("// action:pause");
    EXPECT_EQ(a.what, kind::action);
    EXPECT_EQ(a.text, "pause");
    auto n = parse_reply("//action:notification Filament runout");
    EXPECT_EQ(n.text, "notification");
    EXPECT_EQ(n.argument, "Filament runout");
    auto c = parse_reply("Cap:AUTOREPORT_TEMP:1");
    EXPECT_EQ(c.what, kind::capability);
    EXPECT_EQ(c.text, "AUTOREPORT_TEMP");
    EXPECT_TRUE(c.flag);
    EXPECT_FALSE(parse_reply("Cap:EMERGENCY_PARSER:0").flag);
}

TEST(firmware_reply, temperatures_single_and_multi_tool) {
    auto t = parse_temperatures("T:210.12 /210.00 B:60.0 /60.0 @:127 B@:0");
    ASSERT_TRUE(t);
    ASSERT_EQ(t->size(), 2u);
    EXPECT_EQ((*t)[0].name, "T0");
    EXPECT_DOUBLE_EQ((*t)[0].actual, 210.12);
    EXPECT_DOUBLE_EQ(*(*t)[0].target, 210.0);
    EXPECT_EQ((*t)[1].name, "B");

    auto m = parse_temperatures("ok T:200.0 /200.0 T0:200.0 /200.0 T1:25.0 /0.0 B:55.0 /60.0 C:30.1 /35.0");
    ASSERT_TRUE(m);
    std::vector<std::string> names;
    for (auto& h : *m) names.push_back(h.name);
    EXPECT_EQ(names, (std::vector<std::string>{"T0", "T1", "B", "C"}));
    EXPECT_DOUBLE_EQ(*(*m)[3].target, 35.0);

    auto w = parse_temperatures("T:180.3 E:0 W:?");
    ASSERT_TRUE(w);
    EXPECT_EQ((*w)[0].name, "T0");
    EXPECT_FALSE((*w)[0].target.has_value());

    EXPECT_FALSE(parse_temperatures("echo:SD card ok"));
    EXPECT_FALSE(parse_temperatures("T:nan /0"));
}

TEST(firmware_reply, position_and_firmware_info) {
    auto p = parse_position("X:10.00 Y:20.50 Z:0.30 E:5.00 Count X:800 Y:1640 Z:120");
    ASSERT_TRUE(p);
    EXPECT_DOUBLE_EQ(p->y, 20.5);
    EXPECT_DOUBLE_EQ(p->z, 0.3);
    EXPECT_FALSE(parse_position("echo:hello"));

    auto info = parse_firmware_info(
        "FIRMWARE_NAME:Marlin 2.1.2 (Nov 1 2026) SOURCE_CODE_URL:github.com/MarlinFirmware/Marlin PROTOCOL_VERSION:1.0 "
        "MACHINE_TYPE:Ender-3 EXTRUDER_COUNT:1");
    ASSERT_EQ(info.size(), 5u);
    EXPECT_EQ(info[0].first, "FIRMWARE_NAME");
    EXPECT_EQ(info[0].second, "Marlin 2.1.2 (Nov 1 2026)");
    EXPECT_EQ(info[3].second, "Ender-3");
    EXPECT_EQ(parse_reply("FIRMWARE_NAME:Marlin").what, kind::firmware_info);
}

TEST(firmware_reply, garbage_is_other_never_a_crash) {
    EXPECT_EQ(parse_reply("").what, kind::other);
    EXPECT_EQ(parse_reply("\xff\xfe\x01 ok").what, kind::other);
    EXPECT_EQ(parse_reply("okay then").what, kind::other);
    EXPECT_EQ(parse_reply("Cap:").what, kind::other);
}
