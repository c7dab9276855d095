#pragma once
// The control stream: the first stream the edge opens on a new tunnel. Newline-delimited
// JSON objects with a string "type", at most max_control_line bytes each, both ways.
//
//   edge -> relay   {"type":"hello","version":"0.1.0"}
//                   {"type":"status","data":{...}}   {"type":"event","data":{...}}
//                   {"type":"success"|"response"|"error","id":..,"data":{...}}  a command's reply
//                   {"type":"renew","csr":"<PEM>"}           fresh key, at 2/3 of the certificate's life
//   relay -> edge   {"type":"welcome","device_id":"d..","name":"printer1"}
//                   {"type":"renewed","certificate":"<PEM>"}
//                   {"type":"renew_failed","message":"..."}
//                   {"type":"error","message":"..."}         a line it could not take
//                   {"type":"printer_control"|"temperature_control"|"movement_control"|
//                    "camera_control","action":..,"parameters":{..},"id":..}   a command
//                   (docs/command-protocol.md; the edge answers each with one reply)
//
// Unknown types are ignored by both ends (forward compatibility); a malformed or oversized
// line ends the control stream (the tunnel stays).
#include <chrono>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "printgate/common/any_stream.hpp"
#include "printgate/tunnel/identity.hpp"
#include "printgate/tunnel/pairing.hpp"

namespace printgate::tunnel {

inline constexpr std::size_t max_control_line = 64 * 1024;

// One JSON object with a string "type"; anything else is an error.
identity_result<nlohmann::json> parse_control_line(std::string_view line);

// When a certificate valid from `not_before` to `not_after` should be renewed: at two thirds
// of its life.
wall_time renewal_due(wall_time not_before, wall_time not_after);

// Line framing over a byte stream. One reader and one writer at a time (the caller
// serialises writes; the edge's run_edge_control is the only writer on its side).
class control_channel : public std::enable_shared_from_this<control_channel> {
public:
    explicit control_channel(common::any_stream stream) : stream_(std::move(stream)) {}

    // At most this many bytes wait in send()'s queue; beyond it a message is dropped.
    static constexpr std::size_t max_queued_bytes = 1024 * 1024;

    // The next message; errors: end of stream, boost::asio::error::message_size (a line over
    // the limit), boost::asio::error::invalid_argument (not a JSON object with a type).
    boost::asio::awaitable<std::tuple<boost::system::error_code, nlohmann::json>> read();
    // Writes one message now. Only while nothing was sent with send() (the hello exchange).
    boost::asio::awaitable<boost::system::error_code> write(const nlohmann::json& message);
    // Queues one message; the queue is written in order by one writer, so any number of
    // producers may call it. The channel must be owned by a shared_ptr. False when the queue
    // is full (the message is dropped) or the stream failed.
    bool send(const nlohmann::json& message);
    // The same for a message already serialised as one JSON object (no newline inside).
    bool send_text(std::string text);
    common::any_stream& stream() { return stream_; }

private:
    boost::asio::awaitable<void> drain();
    common::any_stream stream_;
    std::string buffer_;
    std::deque<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool failed_ = false;
};

// Local notifications run_edge_control gives on_message (never sent on the wire): the control
// stream is open, and it ended. Only during an on_message call, current_control_channel() is
// the channel the message belongs to: the edge keeps it to send status, events and replies.
inline constexpr const char* control_opened = "control_opened";
inline constexpr const char* control_closed = "control_closed";
std::shared_ptr<control_channel> current_control_channel();

struct edge_control_options {
    std::filesystem::path state_dir;  // where pairing stored the identity; renewals go there too
    std::string version;
    // The caller already exchanged hello/welcome (the connector does, to know the relay
    // admitted the device before calling the tunnel up).
    bool hello_done = false;
    // Renew at this time instead of renewal_due() (tests).
    std::optional<wall_time> renew_at;
    std::function<wall_time()> now = [] { return std::chrono::system_clock::now(); };
    // A renewed certificate is stored: the next connection uses it.
    std::function<void(const edge_identity&)> on_renewed;
    // Every other message from the relay.
    std::function<void(const nlohmann::json&)> on_message;
};

// The edge's side: hello, then renewal when due, until the stream ends. Returns why it ended.
// The channel is shared with the renewal writer, which may outlive this call briefly.
boost::asio::awaitable<boost::system::error_code> run_edge_control(std::shared_ptr<control_channel> channel,
                                                                   edge_identity identity,
                                                                   edge_control_options options);

}  // namespace printgate::tunnel
