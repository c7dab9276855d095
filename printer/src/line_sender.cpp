#include "printgate/printer/line_sender.hpp"

#include "printgate/printer/gcode_line.hpp"

#include <algorithm>

namespace printgate::printer {

line_sender::line_sender(window_limits limits) : limits_(limits) {
    limits_.history_lines = std::max(limits_.history_lines, limits_.max_lines_in_flight * 4);
}

void line_sender::reset_numbering() {
    next_number_ = 1;
    tag_high_ = 0;
    acked_floor_ = 0;
    history_.clear();
    in_flight_.clear();
    resend_next_.reset();
    resend_end_ = 0;
    last_resend_number_ = 0;
    resend_count_ = 0;
    swallow_oks_ = 0;
    advanced_free_ = -1;
    advanced_line_ = 0;
}

void line_sender::clear_in_flight() {
    in_flight_.clear();
    swallow_oks_ = 0;
    advanced_free_ = -1;
}

std::size_t line_sender::bytes_in_flight() const {
    std::size_t total = 0;
    for (const auto& t : in_flight_) total += t.bytes;
    return total;
}

bool line_sender::window_allows(std::size_t bytes) const {
    if (in_flight_.empty()) return true;
    if (limits_.mode == flow_mode::one_line) return false;
    if (in_flight_.size() >= limits_.max_lines_in_flight) return false;
    const std::size_t capacity = limits_.rx_buffer_bytes > 1 ? limits_.rx_buffer_bytes - 1 : 1;
    std::size_t unread = 0;
    if (advanced_free_ >= 0) {
        // ADVANCED_OK told us the last line the firmware took out of its receive buffer;
        // everything sent after it may still sit there.
        for (const auto& t : in_flight_)
            if (t.doomed || t.number > advanced_line_) unread += t.bytes;
    } else {
        // Marlin moves lines from its receive buffer into the command queue only between
        // commands, so while one blocks (a full planner, a heat-up) every unanswered
        // line may still be in the receive buffer.
        unread = bytes_in_flight();
        if (limits_.oldest_line_taken && !resend_next_ &&
            std::none_of(in_flight_.begin(), in_flight_.end(), [](const transmission& t) { return t.doomed; }))
            unread -= in_flight_.front().bytes;
    }
    return unread + bytes <= capacity;
}

bool line_sender::can_send_new(std::string_view command) const {
    if (resend_next_) return false;
    return window_allows(numbered_line_size(next_number_, command));
}

void line_sender::record(std::uint32_t number, std::size_t bytes) {
    in_flight_.push_back({number, bytes, false});
    ++stats_.lines_sent;
    stats_.bytes_sent += bytes;
}

std::string line_sender::send_new(std::string_view command, std::uint64_t tag) {
    const std::uint32_t number = next_number_++;
    tag_high_ = std::max(tag_high_, tag);
    history_.push_back({number, std::string(command), tag_high_});
    while (history_.size() > limits_.history_lines) history_.pop_front();
    std::string line = numbered_line(number, command);
    record(number, line.size());
    return line;
}

const line_sender::history_entry* line_sender::find_history(std::uint32_t number) const {
    if (history_.empty() || number < history_.front().number || number > history_.back().number) return nullptr;
    return &history_[number - history_.front().number];
}

std::optional<std::string> line_sender::take_resend() {
    if (!resend_next_) return std::nullopt;
    const history_entry* entry = find_history(*resend_next_);
    if (entry == nullptr) {
        // Cannot happen: on_resend checked the whole range against the history, and the
        // history only drops lines older than anything in flight.
        resend_next_.reset();
        return std::nullopt;
    }
    std::string line = numbered_line(entry->number, entry->command);
    if (!window_allows(line.size())) return std::nullopt;
    record(entry->number, line.size());
    ++stats_.resent;
    if (++*resend_next_ >= resend_end_) resend_next_.reset();
    return line;
}

std::optional<line_sender::ack> line_sender::on_ok(int advanced_buffer_free, std::optional<std::uint32_t> advanced_line) {
    if (advanced_buffer_free >= 0 && advanced_line) {
        advanced_free_ = advanced_buffer_free;
        advanced_line_ = *advanced_line;
    }
    if (swallow_oks_ > 0) {
        --swallow_oks_;
        return std::nullopt;
    }
    auto it = std::find_if(in_flight_.begin(), in_flight_.end(), [](const transmission& t) { return !t.doomed; });
    if (it == in_flight_.end()) {
        ++stats_.surplus_oks;
        return std::nullopt;
    }
    ack a{it->number, 0};
    if (const history_entry* entry = find_history(it->number)) a.tag_high = entry->tag_high;
    acked_floor_ = std::max(acked_floor_, it->number);
    in_flight_.erase(it);
    return a;
}

line_sender::resend_result line_sender::on_resend(std::uint32_t number) {
    ++stats_.resend_requests;
    auto doomed = std::find_if(in_flight_.begin(), in_flight_.end(), [](const transmission& t) { return t.doomed; });
    if (number == last_resend_number_ && doomed != in_flight_.end()) {
        // A line sent after the rejected one, rejected in turn: it answers that line.
        in_flight_.erase(doomed);
        ++stats_.duplicates_ignored;
        if (limits_.resend_ok == resend_ok_style::ok_follows) ++swallow_oks_;
        return resend_result::duplicate;
    }
    if (number == last_resend_number_) {
        if (++resend_count_ > limits_.max_resends_per_line) return resend_result::too_many;
    } else {
        last_resend_number_ = number;
        resend_count_ = 1;
    }
    // Re-sending a line the firmware already processed would execute it twice.
    if (number <= acked_floor_ || number >= next_number_ || find_history(number) == nullptr)
        return resend_result::unknown_line;

    auto rejected = std::find_if(in_flight_.begin(), in_flight_.end(),
                                 [&](const transmission& t) { return !t.doomed && t.number == number; });
    if (rejected != in_flight_.end()) in_flight_.erase(rejected);
    for (auto& t : in_flight_)
        if (t.number > number) t.doomed = true;
    resend_next_ = number;
    resend_end_ = next_number_;
    if (limits_.resend_ok == resend_ok_style::ok_follows) ++swallow_oks_;
    return resend_result::rewound;
}

}  // namespace printgate::printer
