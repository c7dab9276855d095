#include "printgate/printer/gcode_line.hpp"
#include "printgate/printer/line_sender.hpp"

#include <gtest/gtest.h>

using namespace printgate::printer;
using rr = line_sender::resend_result;

namespace {

window_limits windowed(resend_ok_style style = resend_ok_style::ok_follows) {
    window_limits w;
    w.mode = flow_mode::windowed;
    w.rx_buffer_bytes = 128;
    w.resend_ok = style;
    return w;
}

// Sends new lines while the window allows; returns how many.
int fill(line_sender& s, const std::string& cmd, std::uint64_t& tag) {
    int n = 0;
    while (s.can_send_new(cmd)) {
        s.send_new(cmd, ++tag);
        ++n;
    }
    return n;
}

}  // namespace

TEST(line_sender, one_line_mode_allows_exactly_one_in_flight) {
    window_limits w;
    w.mode = flow_mode::one_line;
    line_sender s(w);
    EXPECT_TRUE(s.can_send_new("G1 X1"));
    EXPECT_EQ(s.send_new("G1 X1"), numbered_line(1, "G1 X1"));
    EXPECT_FALSE(s.can_send_new("G1 X2"));
    auto a = s.on_ok();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->number, 1u);
    EXPECT_TRUE(s.can_send_new("G1 X2"));
}

TEST(line_sender, window_never_overflows_the_receive_buffer) {
    line_sender s(windowed());
    std::uint64_t tag = 0;
    const std::string cmd = "G1 X100.123 Y100.456 E0.01234";  // about 40 bytes numbered
    int sent = fill(s, cmd, tag);
    // Without ADVANCED_OK every unanswered line may still sit in the receive buffer,
    // whose ring holds 127 of its 128 bytes.
    std::size_t line_bytes = numbered_line(1, cmd).size();
    EXPECT_EQ(sent, static_cast<int>(127 / line_bytes));
    EXPECT_LE(s.bytes_in_flight(), 127u);
    // Each ok frees room for exactly one more line of the same size.
    s.on_ok();
    EXPECT_EQ(fill(s, cmd, tag), 1);
}

TEST(line_sender, marlin_intake_leaves_the_oldest_line_out_of_the_receive_buffer) {
    window_limits w = windowed();
    w.oldest_line_taken = true;
    line_sender s(w);
    std::uint64_t tag = 0;
    const std::string cmd = "G1 X100.123 Y100.456 E0.01234";
    const std::size_t line_bytes = numbered_line(1, cmd).size();
    // One line more than the buffer holds: the oldest is in Marlin's command queue.
    EXPECT_EQ(fill(s, cmd, tag), static_cast<int>(127 / line_bytes) + 1);
    EXPECT_LE(s.bytes_in_flight() - line_bytes, 127u);
    EXPECT_GT(s.bytes_in_flight(), 127u);
    s.on_ok();
    EXPECT_EQ(fill(s, cmd, tag), 1);

    // While lines are rejected and re-sent, every unanswered byte counts again.
    const auto first = s.last_number() - s.lines_in_flight() + 1;
    EXPECT_EQ(s.on_resend(first + 1), rr::rewound);  // the oldest was fine, the next one not
    EXPECT_FALSE(s.on_ok());
    while (s.take_resend()) {
    }
    EXPECT_LE(s.bytes_in_flight(), 127u);
    // Switched off (the card prints): the plain rule.
    line_sender plain(windowed());
    line_sender off(w);
    off.set_oldest_line_taken(false);
    std::uint64_t t1 = 0, t2 = 0;
    EXPECT_EQ(fill(off, cmd, t1), fill(plain, cmd, t2));
}

TEST(line_sender, advanced_ok_counts_only_unread_lines) {
    line_sender s(windowed());
    std::uint64_t tag = 0;
    const std::string cmd = "G1 X100.123 Y100.456 E0.01234";
    fill(s, cmd, tag);
    const auto before = s.lines_in_flight();
    // The firmware says it has taken every line so far out of its receive buffer.
    s.on_ok(3, s.last_number());
    int more = fill(s, cmd, tag);
    EXPECT_EQ(more, static_cast<int>(127 / numbered_line(1, cmd).size()));
    EXPECT_GT(s.bytes_in_flight(), 127u);  // more in flight than the buffer: safe, it is read
    EXPECT_EQ(s.lines_in_flight(), before - 1 + more);
}

TEST(line_sender, tags_report_the_highest_job_line_at_or_below_an_acked_number) {
    line_sender s(windowed());
    s.send_new("M105");        // N1, no tag
    s.send_new("G1 X1", 1);    // N2
    s.send_new("M105");        // N3 carries tag 1
    s.send_new("G1 X2", 2);    // N4
    EXPECT_EQ(s.on_ok()->tag_high, 0u);
    EXPECT_EQ(s.on_ok()->tag_high, 1u);
    EXPECT_EQ(s.on_ok()->tag_high, 1u);
    EXPECT_EQ(s.on_ok()->tag_high, 2u);
    EXPECT_FALSE(s.on_ok());  // nothing in flight: a surplus ok is ignored
    EXPECT_EQ(s.counters().surplus_oks, 1u);
}

TEST(line_sender, resend_rewinds_once_and_ignores_echoes_from_lines_in_flight) {
    line_sender s(windowed(resend_ok_style::ok_follows));
    for (int i = 1; i <= 5; ++i) s.send_new("G1 X" + std::to_string(i), static_cast<std::uint64_t>(i));
    ASSERT_TRUE(s.on_ok());                 // N1 processed
    EXPECT_EQ(s.on_resend(3), rr::rewound);  // N2 accepted, N3 bad: N4 and N5 are doomed
    EXPECT_FALSE(s.on_ok());                // Marlin's ok after the Resend is swallowed
    EXPECT_TRUE(s.resend_pending());
    EXPECT_FALSE(s.can_send_new("G1 X6"));  // resends go first

    std::vector<std::string> resent;
    while (auto l = s.take_resend()) resent.push_back(*l);
    // The window has the doomed lines' bytes still counted; the rest comes after their echoes.
    EXPECT_EQ(s.on_resend(3), rr::duplicate);  // N4 rejected as out of order
    EXPECT_FALSE(s.on_ok());
    EXPECT_EQ(s.on_resend(3), rr::duplicate);  // N5 likewise
    EXPECT_FALSE(s.on_ok());
    while (auto l = s.take_resend()) resent.push_back(*l);
    ASSERT_EQ(resent.size(), 3u);
    EXPECT_EQ(resent[0], numbered_line(3, "G1 X3"));
    EXPECT_EQ(resent[2], numbered_line(5, "G1 X5"));
    EXPECT_FALSE(s.resend_pending());
    // N2 (accepted before the error), then the resent N3..N5, each acked once.
    EXPECT_EQ(s.on_ok()->number, 2u);
    EXPECT_EQ(s.on_ok()->number, 3u);
    EXPECT_EQ(s.on_ok()->number, 4u);
    auto last = s.on_ok();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->number, 5u);
    EXPECT_EQ(last->tag_high, 5u);
    EXPECT_EQ(s.lines_in_flight(), 0u);
    EXPECT_EQ(s.counters().resent, 3u);
    EXPECT_EQ(s.counters().duplicates_ignored, 2u);
}

TEST(line_sender, firmware_without_ok_after_resend) {
    line_sender s(windowed(resend_ok_style::no_ok));
    s.send_new("G1 X1", 1);
    s.send_new("G1 X2", 2);
    EXPECT_EQ(s.on_resend(1), rr::rewound);
    EXPECT_EQ(s.on_resend(1), rr::duplicate);  // the echo for N2, no ok between
    ASSERT_TRUE(s.take_resend());
    ASSERT_TRUE(s.take_resend());
    EXPECT_EQ(s.on_ok()->number, 1u);  // nothing swallowed
    EXPECT_EQ(s.on_ok()->number, 2u);
    EXPECT_EQ(s.lines_in_flight(), 0u);
}

TEST(line_sender, resend_of_an_acknowledged_or_forgotten_line_is_refused) {
    window_limits w = windowed();
    w.max_lines_in_flight = 4;
    w.history_lines = 16;
    line_sender s(w);
    for (int i = 1; i <= 40; ++i) {
        s.send_new("G1 X" + std::to_string(i));
        s.on_ok();
    }
    s.send_new("G1 X41");
    EXPECT_EQ(s.on_resend(40), rr::unknown_line);  // already processed: would run twice
    EXPECT_EQ(s.on_resend(3), rr::unknown_line);   // older than the history
    EXPECT_EQ(s.on_resend(99), rr::unknown_line);  // never sent
    EXPECT_EQ(s.on_resend(41), rr::rewound);
}

TEST(line_sender, the_same_line_requested_again_and_again_gives_up) {
    window_limits w = windowed();
    w.max_resends_per_line = 3;
    line_sender s(w);
    s.send_new("G1 X1");
    for (int round = 1; round <= 3; ++round) {
        ASSERT_EQ(s.on_resend(1), rr::rewound) << round;
        s.on_ok();
        ASSERT_TRUE(s.take_resend());
    }
    EXPECT_EQ(s.on_resend(1), rr::too_many);
}

TEST(line_sender, clear_after_timeout_keeps_numbering_and_allows_resend_of_unconfirmed) {
    line_sender s(windowed());
    s.send_new("G1 X1");
    s.send_new("G1 X2");
    s.on_ok();  // N1
    s.clear_in_flight();
    EXPECT_EQ(s.lines_in_flight(), 0u);
    EXPECT_EQ(s.last_number(), 2u);
    // N2 was never confirmed: if the firmware did not get it, it may still ask.
    EXPECT_EQ(s.on_resend(2), rr::rewound);
}

TEST(line_sender, reset_numbering_starts_again_at_one) {
    line_sender s(windowed());
    s.send_new("G1 X1");
    s.send_new("G1 X2");
    s.reset_numbering();
    EXPECT_EQ(s.lines_in_flight(), 0u);
    EXPECT_EQ(s.send_new("M105"), numbered_line(1, "M105"));
}
