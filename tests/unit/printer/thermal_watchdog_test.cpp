#include "printgate/printer/thermal_watchdog.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <random>

namespace printgate::printer {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class thermal_watchdog_test : public ::testing::Test {
protected:
    // Readings once a second (Marlin's M155 S1) at a constant temperature; all events.
    std::vector<thermal_event> hold(std::string_view heater, double actual, double target,
                                    std::chrono::seconds duration) {
        std::vector<thermal_event> all;
        for (auto t = 0s; t < duration; t += 1s) {
            clock_.advance(1s);
            auto events = dog_.on_reading(heater, actual, target);
            all.insert(all.end(), events.begin(), events.end());
        }
        return all;
    }

    // Heating at 2 C per reading.
    std::vector<thermal_event> ramp(std::string_view heater, double from, double to, double target) {
        std::vector<thermal_event> all;
        for (double t = from; t < to; t += 2) {
            auto events = reading(heater, t, target);
            all.insert(all.end(), events.begin(), events.end());
        }
        return all;
    }

    // A heater that has reached its target.
    void settle(std::string_view heater, double target) {
        ASSERT_THAT(hold(heater, target, target, 5s), IsEmpty());
    }

    std::vector<thermal_event> reading(std::string_view heater, double actual, double target,
                                       std::chrono::milliseconds after = 1000ms) {
        clock_.advance(after);
        return dog_.on_reading(heater, actual, target);
    }

    manual_clock clock_;
    thermal_watchdog dog_{clock_};
};

// --- below target ----------------------------------------------------------------------

TEST_F(thermal_watchdog_test, hotend_below_target_fires_after_40_seconds_not_before) {
    settle("T0", 210);
    EXPECT_THAT(reading("T0", 205.9, 210, 1s), IsEmpty());     // starts the episode
    EXPECT_THAT(hold("T0", 205.9, 210, 39s), IsEmpty());        // 39 s below so far
    EXPECT_THAT(reading("T0", 205.9, 210, 999ms), IsEmpty());  // 39.999 s
    auto events = reading("T0", 205.9, 210, 1ms);              // 40 s
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].kind, thermal_event_kind::below_target);
    EXPECT_EQ(events[0].heater, "T0");
    EXPECT_DOUBLE_EQ(events[0].actual, 205.9);
    EXPECT_DOUBLE_EQ(events[0].target, 210);
    EXPECT_EQ(events[0].time, clock_.now());
    EXPECT_EQ(events[0].message, "hotend T0 fell 4.1 C below its 210 C target for 40 s");
}

TEST_F(thermal_watchdog_test, message_reads_like_the_example) {
    settle("T0", 210);
    auto events = hold("T0", 203.8, 210, 41s);
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].message, "hotend T0 fell 6.2 C below its 210 C target for 40 s");
}

TEST_F(thermal_watchdog_test, exactly_at_the_margin_never_fires) {
    settle("T0", 210);
    EXPECT_THAT(hold("T0", 206.0, 210, 600s), IsEmpty());
    settle("B", 60);
    EXPECT_THAT(hold("B", 58.0, 60, 600s), IsEmpty());
}

TEST_F(thermal_watchdog_test, bed_below_target_uses_bed_thresholds) {
    settle("B", 60);
    EXPECT_THAT(hold("B", 57.9, 60, 20s), IsEmpty());  // below since the first of them: 19 s
    auto events = reading("B", 57.9, 60);               // 20 s
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].kind, thermal_event_kind::below_target);
    EXPECT_THAT(events[0].message, HasSubstr("bed B fell 2.1 C below its 60 C target for 20 s"));
}

TEST_F(thermal_watchdog_test, raised_once_per_episode_and_rearmed_on_recovery) {
    settle("T0", 210);
    EXPECT_THAT(hold("T0", 200, 210, 300s), SizeIs(1));
    EXPECT_THAT(hold("T0", 209, 210, 3s), IsEmpty());  // back within the margin
    EXPECT_THAT(hold("T0", 200, 210, 40s), IsEmpty());  // a fresh episode: 39 s so far
    EXPECT_THAT(hold("T0", 200, 210, 1s), SizeIs(1));
}

TEST_F(thermal_watchdog_test, brief_dips_restart_the_timer) {
    settle("T0", 210);
    for (int i = 0; i < 20; ++i) {
        EXPECT_THAT(hold("T0", 200, 210, 30s), IsEmpty());
        EXPECT_THAT(hold("T0", 207, 210, 1s), IsEmpty());
    }
}

TEST_F(thermal_watchdog_test, no_below_alarm_before_the_target_was_ever_reached) {
    // Heating slowly but steadily (3 C per 20 s): neither rule applies.
    double t = 150;
    for (int i = 0; i < 400 && t < 203; ++i, t += 0.15) EXPECT_THAT(reading("T0", t, 210), IsEmpty());
    EXPECT_THAT(hold("T0", 205.5, 210, 300s), IsEmpty());  // stuck short, within stall distance
}

// --- heating stalled -------------------------------------------------------------------

TEST_F(thermal_watchdog_test, hotend_stall_fires_at_20_seconds) {
    EXPECT_THAT(reading("T0", 100, 210), IsEmpty());  // reference point
    EXPECT_THAT(hold("T0", 101.9, 210, 19s), IsEmpty());
    auto events = reading("T0", 101.9, 210);  // 20 s, gained 1.9
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].kind, thermal_event_kind::heating_stalled);
    EXPECT_EQ(events[0].message,
              "hotend T0 gained only 1.9 C in 20 s while heating to 210 C (now 101.9 C)");
    EXPECT_THAT(hold("T0", 101.9, 210, 100s), IsEmpty());  // same episode
}

TEST_F(thermal_watchdog_test, gaining_exactly_the_minimum_is_fine) {
    EXPECT_THAT(reading("T0", 100, 210), IsEmpty());
    EXPECT_THAT(hold("T0", 101.0, 210, 19s), IsEmpty());
    EXPECT_THAT(reading("T0", 102.0, 210), IsEmpty());  // +2.0 in 20 s: new reference
    EXPECT_THAT(hold("T0", 102.0, 210, 19s), IsEmpty());
    EXPECT_THAT(reading("T0", 104.0, 210), IsEmpty());
}

TEST_F(thermal_watchdog_test, bed_stall_window_is_60_seconds) {
    EXPECT_THAT(reading("B", 30, 60), IsEmpty());
    EXPECT_THAT(hold("B", 31.9, 60, 59s), IsEmpty());
    EXPECT_THAT(reading("B", 31.9, 60), SizeIs(1));
}

TEST_F(thermal_watchdog_test, stall_rearms_when_heating_resumes) {
    EXPECT_THAT(reading("T0", 100, 210), IsEmpty());
    EXPECT_THAT(hold("T0", 100, 210, 25s), SizeIs(1));
    EXPECT_THAT(reading("T0", 103, 210), IsEmpty());  // heating again
    EXPECT_THAT(hold("T0", 103, 210, 19s), IsEmpty());
    EXPECT_THAT(reading("T0", 103, 210), SizeIs(1));
}

TEST_F(thermal_watchdog_test, last_degrees_before_target_are_not_watched_for_stall) {
    EXPECT_THAT(reading("T0", 204.1, 210), IsEmpty());  // 5.9 below: inside stall_distance
    EXPECT_THAT(hold("T0", 204.1, 210, 120s), IsEmpty());
    EXPECT_THAT(reading("T0", 203.9, 210), IsEmpty());  // 6.1 below: watched from here
    EXPECT_THAT(hold("T0", 203.9, 210, 19s), IsEmpty());
    EXPECT_THAT(reading("T0", 203.9, 210), SizeIs(1));
}

TEST_F(thermal_watchdog_test, cooling_towards_a_lower_target_is_not_a_stall) {
    settle("T0", 210);
    EXPECT_THAT(hold("T0", 210, 180, 300s), IsEmpty());
}

// --- sensor faults ---------------------------------------------------------------------

TEST_F(thermal_watchdog_test, impossible_readings_are_faults_at_their_limits) {
    EXPECT_THAT(reading("T0", -10.0, 0), IsEmpty());
    EXPECT_THAT(reading("T1", 320.0, 0), IsEmpty());
    EXPECT_THAT(reading("B", 150.0, 0), IsEmpty());

    auto cold = reading("T2", -10.1, 0);
    ASSERT_THAT(cold, SizeIs(1));
    EXPECT_EQ(cold[0].kind, thermal_event_kind::sensor_fault);
    EXPECT_EQ(cold[0].message, "hotend T2 sensor fault: reads -10.1 C, below the -10 C limit");
    auto hot = reading("T3", 320.1, 200);
    ASSERT_THAT(hot, SizeIs(1));
    EXPECT_THAT(hot[0].message, HasSubstr("above the 320 C limit"));
    EXPECT_THAT(reading("B", 150.1, 0, 5s), SizeIs(1));
    auto nan = reading("T4", std::numeric_limits<double>::quiet_NaN(), 200);
    ASSERT_THAT(nan, SizeIs(1));
    EXPECT_THAT(nan[0].message, HasSubstr("not a number"));
    EXPECT_THAT(reading("T5", std::numeric_limits<double>::infinity(), 200), SizeIs(1));
}

TEST_F(thermal_watchdog_test, jump_between_close_readings_is_a_fault) {
    EXPECT_THAT(reading("T0", 200, 210), IsEmpty());
    EXPECT_THAT(reading("T0", 225.0, 210, 1s), IsEmpty());  // exactly 25: fine
    auto events = reading("T0", 199.9, 210, 1s);             // 25.1 down in 1 s
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].kind, thermal_event_kind::sensor_fault);
    EXPECT_THAT(events[0].message, HasSubstr("jumped from 225.0 C to 199.9 C in 1.0 s"));
}

TEST_F(thermal_watchdog_test, large_change_over_two_seconds_is_not_a_jump) {
    EXPECT_THAT(reading("T0", 100, 210), IsEmpty());
    EXPECT_THAT(reading("T0", 130, 210, 2000ms), IsEmpty());  // not "less than 2 s apart"
    EXPECT_THAT(reading("T0", 160, 210, 1999ms), SizeIs(1));
}

TEST_F(thermal_watchdog_test, fault_raised_once_and_rearmed_by_a_good_reading) {
    EXPECT_THAT(reading("T0", 400, 210), SizeIs(1));
    EXPECT_THAT(reading("T0", 400, 210), IsEmpty());
    EXPECT_THAT(reading("T0", std::numeric_limits<double>::quiet_NaN(), 210), IsEmpty());
    EXPECT_THAT(reading("T0", 205, 210, 5s), IsEmpty());  // good again
    EXPECT_THAT(reading("T0", 400, 210), SizeIs(1));
}

TEST_F(thermal_watchdog_test, faulty_readings_do_not_feed_the_other_rules) {
    settle("T0", 210);
    // Minutes of NaN would otherwise look like a heater that is far below its target.
    auto events = hold("T0", std::numeric_limits<double>::quiet_NaN(), 210, 120s);
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].kind, thermal_event_kind::sensor_fault);
}

// --- targets, pause, reset -------------------------------------------------------------

TEST_F(thermal_watchdog_test, target_change_restarts_the_stall_timer) {
    EXPECT_THAT(reading("T0", 100, 210), IsEmpty());
    EXPECT_THAT(hold("T0", 100, 210, 15s), IsEmpty());
    EXPECT_THAT(reading("T0", 100, 220), IsEmpty());  // firmware reports a new target
    EXPECT_THAT(hold("T0", 100, 220, 19s), IsEmpty());
    EXPECT_THAT(reading("T0", 100, 220), SizeIs(1));
}

TEST_F(thermal_watchdog_test, target_change_restarts_the_below_timer) {
    settle("T0", 210);
    EXPECT_THAT(hold("T0", 200, 210, 30s), IsEmpty());
    // Lowered to 200: the heater sits at its new target, nothing to say.
    EXPECT_THAT(hold("T0", 200, 200, 300s), IsEmpty());
}

TEST_F(thermal_watchdog_test, target_zero_disarms) {
    settle("T0", 210);
    dog_.on_target_set("T0", 0);
    double t = 210;
    for (int i = 0; i < 600; ++i, t -= 0.3) EXPECT_THAT(reading("T0", std::max(t, 25.0), 0), IsEmpty());
}

TEST_F(thermal_watchdog_test, host_target_wins_until_the_firmware_echoes_it) {
    thermal_watchdog_config config;
    config.target_echo_timeout = 300s;
    thermal_watchdog dog(clock_, config);
    std::size_t events = 0;
    for (int i = 0; i < 5; ++i, clock_.advance(1s)) events += dog.on_reading("T0", 210, 210).size();
    dog.on_target_set("T0", 0);  // M104 S0, still queued behind moves in the firmware
    // The firmware reports 210 while the hotend cools: against 210 that would be an alarm.
    for (int i = 0; i < 120; ++i, clock_.advance(1s)) events += dog.on_reading("T0", 195, 210).size();
    EXPECT_EQ(events, 0u);
}

TEST_F(thermal_watchdog_test, stall_is_timed_from_the_firmware_taking_the_target) {
    settle("T0", 150);
    dog_.on_target_set("T0", 250);
    EXPECT_THAT(hold("T0", 150, 150, 25s), IsEmpty());  // not taken yet: no stall
    EXPECT_THAT(reading("T0", 150, 250), IsEmpty());    // echoed: timer starts here
    EXPECT_THAT(hold("T0", 150, 250, 19s), IsEmpty());
    EXPECT_THAT(reading("T0", 150, 250), SizeIs(1));
}

TEST_F(thermal_watchdog_test, firmware_target_wins_after_the_echo_timeout) {
    settle("T0", 210);
    dog_.on_target_set("T0", 0);
    EXPECT_THAT(hold("T0", 210, 210, 29s), IsEmpty());
    // 30 s without an echo: the firmware's 210 is the target again, and falling matters.
    EXPECT_THAT(hold("T0", 210, 210, 3s), IsEmpty());
    auto events = hold("T0", 200, 210, 41s);
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].kind, thermal_event_kind::below_target);
}

TEST_F(thermal_watchdog_test, pause_exempts_heaters_whose_target_changed_until_back_at_target) {
    settle("T0", 210);
    settle("B", 60);
    dog_.set_paused(true);
    dog_.on_target_set("T0", 0);  // the user lets the hotend cool during the pause
    EXPECT_THAT(hold("T0", 100, 0, 60s), IsEmpty());
    // The bed's target did not change: it is still watched during the pause.
    EXPECT_THAT(hold("B", 55, 60, 25s), SizeIs(1));
    EXPECT_THAT(hold("B", 60, 60, 2s), IsEmpty());

    dog_.set_paused(false);
    dog_.on_target_set("T0", 210);  // resume: reheating from 100 slowly is not an alarm yet
    EXPECT_THAT(hold("T0", 100, 210, 120s), IsEmpty());
    EXPECT_THAT(ramp("T0", 100, 209.5, 210), IsEmpty());
    EXPECT_THAT(hold("T0", 209.5, 210, 2s), IsEmpty());  // back at target: watched again
    EXPECT_THAT(hold("T0", 200, 210, 41s), SizeIs(1));
}

TEST_F(thermal_watchdog_test, pause_without_target_change_keeps_every_rule) {
    settle("T0", 210);
    dog_.set_paused(true);
    EXPECT_THAT(hold("T0", 200, 210, 41s), SizeIs(1));
}

TEST_F(thermal_watchdog_test, target_set_during_pause_exempts_stall) {
    dog_.set_paused(true);
    dog_.on_target_set("T0", 240);
    EXPECT_THAT(hold("T0", 100, 240, 100s), IsEmpty());
}

TEST_F(thermal_watchdog_test, reset_forgets_every_heater) {
    EXPECT_THAT(reading("T0", 200, 210), IsEmpty());
    dog_.reset();
    EXPECT_THAT(reading("T0", 25, 0, 100ms), IsEmpty());  // no jump against the old 200
}

// --- noise, independence, config -------------------------------------------------------

TEST_F(thermal_watchdog_test, noisy_but_fine_readings_never_alarm) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<double> hotend_noise(-3.0, 3.0);
    std::uniform_real_distribution<double> bed_noise(-1.5, 1.5);
    // Heating at about 2.5 C/s with noise, then hours at target.
    double t0 = 25, b = 25;
    for (int i = 0; i < 4 * 3600; ++i) {
        t0 = std::min(t0 + 2.5, 210.0);
        b = std::min(b + 0.5, 60.0);
        clock_.advance(1s);
        EXPECT_THAT(dog_.on_reading("T0", t0 + hotend_noise(rng), 210), IsEmpty()) << i;
        EXPECT_THAT(dog_.on_reading("B", b + bed_noise(rng), 60), IsEmpty()) << i;
    }
}

TEST_F(thermal_watchdog_test, heaters_are_independent) {
    settle("T0", 210);
    settle("T1", 200);
    settle("B", 60);
    std::vector<thermal_event> events;
    for (int i = 0; i < 50; ++i) {
        clock_.advance(1s);
        for (auto& e : dog_.on_reading("T0", 195, 210)) events.push_back(e);
        for (auto& e : dog_.on_reading("T1", 200, 200)) events.push_back(e);
        for (auto& e : dog_.on_reading("B", 60, 60)) events.push_back(e);
    }
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].heater, "T0");
    EXPECT_THAT(reading("T1", 400, 200), SizeIs(1));
    EXPECT_THAT(reading("T0", 195, 210), IsEmpty());
}

TEST_F(thermal_watchdog_test, action_follows_stop_on_fault) {
    EXPECT_EQ(reading("T0", 400, 0)[0].action, thermal_action::stop);
    thermal_watchdog_config config;
    config.stop_on_fault = false;
    thermal_watchdog quiet(clock_, config);
    EXPECT_EQ(quiet.on_reading("T0", 400, 0)[0].action, thermal_action::notify);
}

TEST_F(thermal_watchdog_test, thresholds_are_configurable_per_kind) {
    thermal_watchdog_config config;
    config.hotend.below_for = 5s;
    config.bed.max_valid = 120;
    thermal_watchdog dog(clock_, config);
    for (int i = 0; i < 3; ++i) {
        clock_.advance(1s);
        EXPECT_THAT(dog.on_reading("T0", 210, 210), IsEmpty());
    }
    std::size_t events = 0;
    for (int i = 0; i < 6; ++i) {
        clock_.advance(1s);
        events += dog.on_reading("T0", 200, 210).size();
    }
    EXPECT_EQ(events, 1u);
    EXPECT_THAT(dog.on_reading("B", 121, 0), SizeIs(1));
}

TEST_F(thermal_watchdog_test, only_known_heater_names_are_watched) {
    EXPECT_THAT(reading("P", 400, 0), IsEmpty());    // probe
    EXPECT_THAT(reading("T16", 400, 0), IsEmpty());  // past T15
    EXPECT_THAT(reading("Tx", 400, 0), IsEmpty());
    EXPECT_THAT(reading("T", 400, 0), SizeIs(1));  // single-extruder Marlin
    EXPECT_THAT(reading("C", 101, 0), SizeIs(1));  // chamber limit 100
    EXPECT_EQ(thermal_watchdog::kind_of("T15"), heater_kind::hotend);
    EXPECT_EQ(thermal_watchdog::kind_of("B"), heater_kind::bed);
    EXPECT_EQ(thermal_watchdog::kind_of(""), std::nullopt);
}

TEST(thermal_event_names, are_stable) {
    EXPECT_EQ(to_string(thermal_event_kind::below_target), "below_target");
    EXPECT_EQ(to_string(thermal_event_kind::heating_stalled), "heating_stalled");
    EXPECT_EQ(to_string(thermal_event_kind::sensor_fault), "sensor_fault");
    EXPECT_EQ(to_string(thermal_action::stop), "stop");
    EXPECT_EQ(to_string(thermal_action::notify), "notify");
}

}  // namespace
}  // namespace printgate::printer
