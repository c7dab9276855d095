#include "printgate/edge/resume_plan.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace printgate::edge;
using printgate::testing::read_file;
using printgate::testing::temp_dir;
using printgate::testing::write_file;

namespace {

// Three layers, PrusaSlicer style, absolute E with a G92 reset in layer 2.
const std::string job =
    "M140 S60\n"         // 1
    "M104 S215\n"        // 2
    "M190 S60\n"         // 3
    "M109 S215\n"        // 4
    "G28\n"              // 5
    "M82\n"              // 6
    "G92 E0\n"           // 7
    ";LAYER_CHANGE\n"    // 8
    ";Z:0.2\n"           // 9
    "G1 Z0.2 F600\n"     // 10
    "G1 X10 Y10 E1 F1800\n"  // 11
    "G1 X20 Y10 E2\n"    // 12
    ";LAYER_CHANGE\n"    // 13
    ";Z:0.4\n"           // 14
    "G1 Z0.4 F600\n"     // 15
    "M106 S128\n"        // 16
    "G1 X10 Y20 E3 F1500\n"  // 17
    "G92 E0\n"           // 18
    "G1 X20 Y20 E0.5\n"  // 19
    ";LAYER_CHANGE\n"    // 20
    ";Z:0.6\n"           // 21
    "G1 Z0.6 F600\n"     // 22
    "G1 X10 Y30 E1.5 F1200\n"  // 23
    "G1 X20 Y30 E2.5\n";  // 24

}  // namespace

TEST(resume_plan, restarts_the_interrupted_layer_with_the_machine_state) {
    temp_dir dir;
    write_file(dir / "job.gcode", job);
    std::string why;
    auto plan = plan_resume(dir / "job.gcode", 23, 0.6, why);
    ASSERT_TRUE(plan) << why;
    EXPECT_EQ(plan->layer_index, 2u);
    EXPECT_DOUBLE_EQ(plan->layer_z, 0.6);
    EXPECT_EQ(plan->start_line, 21u);
    EXPECT_DOUBLE_EQ(plan->e_position, 0.5);
    EXPECT_FALSE(plan->relative_e);
    EXPECT_DOUBLE_EQ(plan->hotend_temp, 215);
    EXPECT_DOUBLE_EQ(plan->bed_temp, 60);
    EXPECT_EQ(plan->fan.value_or(-1), 128);
    EXPECT_EQ(plan->feedrate.value_or(-1), 1500);

    // The preamble, in this order: reheat (bed, hotend, wait for both), declare Z, lift,
    // home X and Y only, restore E, fan, go to the layer, feed rate.
    std::istringstream in(plan->preamble);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        if (!l.empty() && l[0] != ';') lines.push_back(l);
    const std::vector<std::string> expected = {"M140 S60",  "M104 S215", "M190 S60",        "M109 S215",
                                               "G90",       "G92 Z0.600", "G1 Z5.600 F600", "G28 X Y",
                                               "M82",       "G92 E0.50000", "M106 S128",    "G1 Z0.600 F600",
                                               "G1 F1500"};
    EXPECT_EQ(lines, expected);
    for (const auto& l : lines) EXPECT_NE(l, "G28") << "Z must never be homed on a print";

    ASSERT_TRUE(write_resume_file(dir / "job.gcode", *plan, dir / "resumed.gcode", why)) << why;
    const auto text = read_file(dir / "resumed.gcode");
    EXPECT_EQ(text.rfind(plan->preamble, 0), 0u);
    EXPECT_EQ(text.substr(plan->preamble.size()), ";Z:0.6\nG1 Z0.6 F600\nG1 X10 Y30 E1.5 F1200\nG1 X20 Y30 E2.5\n");
}

TEST(resume_plan, interruption_in_the_middle_layer) {
    temp_dir dir;
    write_file(dir / "job.gcode", job);
    std::string why;
    auto plan = plan_resume(dir / "job.gcode", 17, 0.4, why);
    ASSERT_TRUE(plan) << why;
    EXPECT_EQ(plan->layer_index, 1u);
    EXPECT_EQ(plan->start_line, 14u);
    EXPECT_DOUBLE_EQ(plan->e_position, 2);
    EXPECT_FALSE(plan->fan);
}

TEST(resume_plan, before_the_first_layer_there_is_nothing_to_resume) {
    temp_dir dir;
    write_file(dir / "job.gcode", job);
    std::string why;
    EXPECT_FALSE(plan_resume(dir / "job.gcode", 5, std::nullopt, why));
    EXPECT_FALSE(why.empty());
    EXPECT_FALSE(plan_resume(dir / "missing.gcode", 5, std::nullopt, why));
}
