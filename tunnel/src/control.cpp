#include "printgate/tunnel/control.hpp"

#include <openssl/x509.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace printgate::tunnel {
namespace {

namespace net = boost::asio;
using boost::system::error_code;
using json = nlohmann::json;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// The channel whose message on_message is handling (see current_control_channel()).
thread_local std::shared_ptr<control_channel> handling;

void deliver(const std::function<void(const json&)>& on_message, const std::shared_ptr<control_channel>& channel,
             const json& message) {
    if (!on_message) return;
    handling = channel;
    on_message(message);
    handling.reset();
}

json local_notice(const char* type) {
    json j;
    j["type"] = type;
    return j;
}

}  // namespace

std::shared_ptr<control_channel> current_control_channel() { return handling; }

identity_result<json> parse_control_line(std::string_view line) {
    if (line.size() > max_control_line) return identity_error{"control message too large"};
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return identity_error{"control message is not a JSON object"};
    auto t = j.find("type");
    if (t == j.end() || !t->is_string()) return identity_error{"control message has no string type"};
    return j;
}

wall_time renewal_due(wall_time not_before, wall_time not_after) {
    return not_before + (not_after - not_before) * 2 / 3;
}

net::awaitable<std::tuple<error_code, json>> control_channel::read() {
    for (;;) {
        auto nl = buffer_.find('\n');
        if (nl != std::string::npos) {
            std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            auto parsed = parse_control_line(line);
            if (!parsed) co_return std::tuple{error_code(net::error::invalid_argument), json()};
            co_return std::tuple{error_code(), std::move(*parsed)};
        }
        if (buffer_.size() > max_control_line) co_return std::tuple{error_code(net::error::message_size), json()};
        // Read straight into the line buffer: a chunk array would sit in this coroutine's
        // frame for as long as the tunnel is idle, on every tunnel the relay holds.
        const std::size_t had = buffer_.size();
        buffer_.resize(had + 1024);
        auto [ec, n] = co_await stream_.async_read_some(net::buffer(buffer_.data() + had, 1024), use_tuple);
        buffer_.resize(had + (ec ? 0 : n));
        if (ec) co_return std::tuple{ec, json()};
    }
}

net::awaitable<error_code> control_channel::write(const json& message) {
    std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    auto [ec, n] = co_await net::async_write(stream_, net::buffer(line), use_tuple);
    (void)n;
    co_return ec;
}

bool control_channel::send(const json& message) {
    return send_text(message.dump(-1, ' ', false, json::error_handler_t::replace));
}

bool control_channel::send_text(std::string line) {
    if (failed_ || line.find('\n') != std::string::npos) return false;
    line += '\n';
    if (queued_bytes_ + line.size() > max_queued_bytes) return false;
    queued_bytes_ += line.size();
    queue_.push_back(std::move(line));
    if (!writing_) {
        writing_ = true;
        net::co_spawn(stream_.get_executor(), [self = shared_from_this()] { return self->drain(); }, net::detached);
    }
    return true;
}

net::awaitable<void> control_channel::drain() {
    while (!queue_.empty()) {
        std::string line = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= line.size();
        auto [ec, n] = co_await net::async_write(stream_, net::buffer(line), use_tuple);
        (void)n;
        if (ec) {
            failed_ = true;
            queue_.clear();
            queued_bytes_ = 0;
            break;
        }
    }
    writing_ = false;
}

net::awaitable<error_code> run_edge_control(std::shared_ptr<control_channel> channel, edge_identity identity,
                                            edge_control_options options) {
    // (Built step by step: GCC 12 miscompiles braced json literals inside coroutines.)
    if (!options.hello_done) {
        json hello;
        hello["type"] = "hello";
        hello["version"] = options.version;
        if (auto ec = co_await channel->write(hello)) co_return ec;
    }

    auto executor = co_await net::this_coro::executor;
    auto cert = certificate_from_pem(identity.certificate_pem);
    wall_time due = options.renew_at ? *options.renew_at
                                     : (cert ? renewal_due(not_before_of(**cert), not_after_of(**cert)) : options.now());
    // The renewal request is written by a separate coroutine while this one reads; it is the
    // only other writer and writes only after hello completed.
    auto pending_key = std::make_shared<std::string>();
    auto timer = std::make_shared<net::steady_timer>(executor);
    auto stop = std::make_shared<bool>(false);
    net::co_spawn(
        executor,
        [channel, timer, stop, pending_key, due, now = options.now]() -> net::awaitable<void> {
            auto wait = due - now();
            timer->expires_after(wait > wall_time::duration::zero()
                                     ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait)
                                     : std::chrono::steady_clock::duration::zero());
            auto [ec] = co_await timer->async_wait(use_tuple);
            if (ec || *stop) co_return;
            auto key = generate_p256_key();
            if (!key) co_return;
            auto csr = make_csr(**key, "printgate edge");
            auto key_pem = private_key_to_pem(**key);
            auto csr_pem = csr ? csr_to_pem(**csr) : identity_result<std::string>(identity_error{"no CSR"});
            if (!csr_pem || !key_pem) co_return;
            *pending_key = std::move(*key_pem);
            spdlog::info("control: renewing the device certificate");
            json request;
            request["type"] = "renew";
            request["csr"] = *csr_pem;
            channel->send(request);
        },
        net::detached);

    deliver(options.on_message, channel, local_notice(control_opened));
    error_code why;
    for (;;) {
        auto [ec, message] = co_await channel->read();
        if (ec) {
            why = ec;
            break;
        }
        const auto type = message["type"].get<std::string>();
        if (type == "renewed" && !pending_key->empty() && message.contains("certificate") &&
            message["certificate"].is_string()) {
            auto pem = message["certificate"].get<std::string>();
            auto renewed = certificate_from_pem(pem);
            auto key = private_key_from_pem(*pending_key);
            EVP_PKEY* pub = renewed ? X509_get0_pubkey(renewed->get()) : nullptr;
            if (!renewed || !key || pub == nullptr || !same_public_key(**key, *pub) ||
                device_id_of(**renewed) != identity.device_id) {
                spdlog::warn("control: the relay's renewed certificate does not fit this device; keeping the old one");
                continue;
            }
            if (auto ok = store_renewed_identity(options.state_dir, *pending_key, pem); !ok) {
                spdlog::warn("control: cannot store the renewed certificate: {}", ok.message());
                continue;
            }
            identity.key_pem = *pending_key;
            identity.certificate_pem = pem;
            pending_key->clear();
            spdlog::info("control: certificate renewed, valid until {}",
                         std::chrono::system_clock::to_time_t(not_after_of(**renewed)));
            if (options.on_renewed) options.on_renewed(identity);
        } else if (type == "renew_failed") {
            spdlog::warn("control: the relay refused to renew: {}", message.value("message", ""));
        } else if (type != control_opened && type != control_closed) {
            deliver(options.on_message, channel, message);
        }
    }
    deliver(options.on_message, channel, local_notice(control_closed));
    *stop = true;
    timer->cancel();
    co_return why;
}

}  // namespace printgate::tunnel
