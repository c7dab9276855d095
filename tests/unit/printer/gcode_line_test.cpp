#include "printgate/printer/gcode_line.hpp"

#include <gtest/gtest.h>

using namespace printgate::printer;

TEST(gcode_line, checksum_is_xor_of_all_bytes) {
    // Worked by hand: 'N'^'0'^' '^'M'^'1'^'1'^'0'^' '^'N'^'0' = 125, Marlin's own example.
    EXPECT_EQ(gcode_checksum("N0 M110 N0"), 125);
    EXPECT_EQ(gcode_checksum(""), 0);
    EXPECT_EQ(gcode_checksum("A"), 'A');
}

TEST(gcode_line, numbered_line_has_number_checksum_and_newline) {
    EXPECT_EQ(numbered_line(0, "M110 N0"), "N0 M110 N0*125\n");
    std::string l = numbered_line(1234, "G1 X10 Y20");
    EXPECT_EQ(l.substr(0, 16), "N1234 G1 X10 Y20");
    EXPECT_EQ(std::stoi(l.substr(17)), gcode_checksum("N1234 G1 X10 Y20"));
}

TEST(gcode_line, strip_removes_comments_blanks_and_checksums) {
    EXPECT_EQ(strip_gcode("G1 X1 ; move"), "G1 X1");
    EXPECT_EQ(strip_gcode("   ; only a comment"), "");
    EXPECT_EQ(strip_gcode("\t M104 S200 \r"), "M104 S200");
    EXPECT_EQ(strip_gcode("G28*22"), "G28");
    EXPECT_EQ(strip_gcode(""), "");
}

TEST(gcode_line, command_word_normalises) {
    EXPECT_EQ(command_word("g1 x10"), "G1");
    EXPECT_EQ(command_word("G01 X1"), "G1");
    EXPECT_EQ(command_word("M109 S210"), "M109");
    EXPECT_EQ(command_word("N12 G28"), "G28");
    EXPECT_EQ(command_word("T1"), "T1");
    EXPECT_EQ(command_word("G29.1"), "G29.1");
    EXPECT_EQ(command_word(""), "");
    EXPECT_EQ(command_word("; x"), "");
}

TEST(gcode_line, long_running_commands) {
    for (auto w : {"G28", "G29", "M109", "M190", "M400", "M600", "G4"}) EXPECT_TRUE(is_long_running(w)) << w;
    for (auto w : {"G1", "M104", "M105", "M140"}) EXPECT_FALSE(is_long_running(w)) << w;
}

TEST(gcode_line, find_parameter) {
    double v = 0;
    EXPECT_TRUE(find_parameter("M104 T1 S210", 'S', v));
    EXPECT_DOUBLE_EQ(v, 210);
    EXPECT_TRUE(find_parameter("M104 T1 S210", 'T', v));
    EXPECT_DOUBLE_EQ(v, 1);
    EXPECT_TRUE(find_parameter("G1 Z-0.4 F600", 'Z', v));
    EXPECT_DOUBLE_EQ(v, -0.4);
    EXPECT_FALSE(find_parameter("G28", 'X', v));
    EXPECT_FALSE(find_parameter("M104 S", 'S', v));
}

TEST(gcode_line, compact_move_drops_blanks_from_moves_only) {
    EXPECT_EQ(compact_move("G1 X110.123 Y98.456 E.0335"), "G1X110.123Y98.456E.0335");
    EXPECT_EQ(compact_move("G0 X1\tY2 F7200"), "G0X1Y2F7200");
    EXPECT_EQ(compact_move("G2 X10 Y10 I5 J0"), "G2X10Y10I5J0");
    EXPECT_EQ(compact_move("G1"), "G1");
    // Not moves: arguments may be text, and G10/G28/G29 are other commands.
    EXPECT_EQ(compact_move("M117 Printing layer 3"), "M117 Printing layer 3");
    EXPECT_EQ(compact_move("M23 my file.gco"), "M23 my file.gco");
    EXPECT_EQ(compact_move("G28 X Y"), "G28 X Y");
    EXPECT_EQ(compact_move("G10 P1 R200"), "G10 P1 R200");
    // The compacted move still names its command word.
    EXPECT_EQ(command_word(compact_move("G1 Z0.2 F7200")), "G1");
}

TEST(gcode_line, numbered_line_size_matches_the_line_for_every_checksum_width) {
    for (std::uint32_t n : {1u, 9u, 10u, 99u, 12345u, 4294967295u})
        for (const char* cmd : {"", "G1X1", "M105", "G1 X124.999 Y110.866 E.0035", "M117 hello"})
            EXPECT_EQ(numbered_line_size(n, cmd), numbered_line(n, cmd).size()) << n << " " << cmd;
}
