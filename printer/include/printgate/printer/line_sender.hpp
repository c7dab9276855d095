#pragma once
// Line numbers, the resend history and the send window: everything about what is in
// flight to the firmware, without any I/O, so each rule is unit-tested on its own.
//
// Every numbered line the host transmits gets exactly one answer from the firmware:
// `ok` once it was processed, or a `Resend:` when it was rejected (bad checksum, or a
// line number that does not follow because an earlier line was rejected). Marlin sends
// an `ok` after each Resend as well; some firmwares do not (see resend_ok_style).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::printer {

enum class flow_mode {
    one_line,  // one line in flight at a time (OctoPrint's default): the bench baseline
    windowed,  // as many lines as the firmware's receive buffer can take
};

// Whether the firmware answers a Resend with an extra ok. Marlin, Prusa, RepRapFirmware
// and Klipper do; for firmware that does not, the owner sets no_ok (as OctoPrint's
// "resends without ok" setting). A wrong ok_follows costs a communication timeout per
// resend, never a lost or doubled line: the swallowed ok leaves one line counted as in
// flight, which only makes the window smaller until the timeout's probe clears it.
enum class resend_ok_style { ok_follows, no_ok };

struct window_limits {
    flow_mode mode = flow_mode::windowed;
    // Marlin's default RX_BUFFER_SIZE. The window never puts more unread bytes in the
    // firmware's receive buffer than it can hold (a ring buffer holds one byte less).
    std::size_t rx_buffer_bytes = 128;
    std::size_t max_lines_in_flight = 32;
    std::size_t history_lines = 1024;        // larger than anything that can be in flight
    std::uint32_t max_resends_per_line = 8;  // the same line asked for again and again: give up
    resend_ok_style resend_ok = resend_ok_style::ok_follows;
    // Without ADVANCED_OK: whether the oldest unanswered line may be left out of the bytes
    // that can sit in the receive buffer. Marlin reads its buffer into the command queue
    // between commands, right after answering one (and continuously while idle), so the
    // line after an answered one has left the buffer long before anything the host sends
    // on that answer can arrive (a round trip through the USB adapter). Only the lines after
    // it can still be there. Off: every unanswered byte counts (any firmware). The host
    // turns it on for Marlin (set_oldest_line_taken) except while the card prints, when
    // card commands can hold the queue.
    bool oldest_line_taken = false;
};

class line_sender {
public:
    explicit line_sender(window_limits limits = {});

    // A fresh numbering, as after `M110 N0`: the next new line is N1.
    void reset_numbering();
    // Forgets everything in flight (timeout with a probe, firmware reset).
    void clear_in_flight();

    // Whether a new line of `command` may be sent now (resends always go first).
    bool can_send_new(std::string_view command) const;
    // Numbers, remembers and accounts for a new line; returns the bytes to write.
    // `tag` is the caller's mark for progress (job line index, 0 for none).
    std::string send_new(std::string_view command, std::uint64_t tag = 0);

    bool resend_pending() const { return resend_next_.has_value(); }
    // The next line to re-send if the window allows it, as bytes to write.
    std::optional<std::string> take_resend();

    struct ack {
        std::uint32_t number = 0;
        std::uint64_t tag_high = 0;  // highest caller tag at or below this line number
    };
    // An `ok`. Returns the line it acknowledges; nothing when the ok belongs to a
    // rejected line (swallowed) or nothing was in flight.
    std::optional<ack> on_ok(int advanced_buffer_free = -1, std::optional<std::uint32_t> advanced_line = {});

    enum class resend_result {
        rewound,            // lines from N on will be re-sent
        duplicate,          // an echo of an earlier request, caused by lines already in flight
        unknown_line,       // N is not a line we sent, or older than the history: abort
        too_many,           // the same line was requested more than max_resends_per_line times
    };
    resend_result on_resend(std::uint32_t number);

    std::size_t lines_in_flight() const { return in_flight_.size(); }
    std::size_t bytes_in_flight() const;
    std::uint32_t last_number() const { return next_number_ - 1; }
    std::uint64_t tag_high_sent() const { return tag_high_; }
    resend_ok_style resend_style() const { return limits_.resend_ok; }
    const window_limits& limits() const { return limits_; }
    // See window_limits::oldest_line_taken. While lines are rejected and re-sent, every
    // unanswered byte counts whatever this says.
    void set_oldest_line_taken(bool on) { limits_.oldest_line_taken = on; }

    struct stats {
        std::uint64_t lines_sent = 0, bytes_sent = 0, resent = 0, resend_requests = 0, duplicates_ignored = 0;
        std::uint64_t surplus_oks = 0;
    };
    const stats& counters() const { return stats_; }

private:
    struct history_entry {
        std::uint32_t number = 0;
        std::string command;
        std::uint64_t tag_high = 0;
    };
    struct transmission {
        std::uint32_t number = 0;
        std::size_t bytes = 0;
        bool doomed = false;  // sent after a rejected line: the firmware will reject it too
    };

    const history_entry* find_history(std::uint32_t number) const;
    bool window_allows(std::size_t bytes) const;
    void record(std::uint32_t number, std::size_t bytes);

    window_limits limits_;
    std::uint32_t next_number_ = 1;
    std::uint64_t tag_high_ = 0;
    std::deque<history_entry> history_;
    std::deque<transmission> in_flight_;
    std::optional<std::uint32_t> resend_next_;  // next number to re-send
    std::uint32_t resend_end_ = 0;              // numbers below this were sent before the rewind
    std::uint32_t last_resend_number_ = 0;
    std::uint32_t resend_count_ = 0;
    std::uint32_t acked_floor_ = 0;  // highest line whose ok was matched: never re-sent
    std::size_t swallow_oks_ = 0;  // oks that answer rejections, not processed lines
    int advanced_free_ = -1;
    std::uint32_t advanced_line_ = 0;
    stats stats_;
};

}  // namespace printgate::printer
