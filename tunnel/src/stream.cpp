#include "printgate/tunnel/stream.hpp"

#include "printgate/tunnel/session.hpp"
#include "stream_state.hpp"

namespace printgate::tunnel {

stream::stream(std::shared_ptr<session> owner, std::shared_ptr<detail::stream_state> state)
    : session_(std::move(owner)), state_(std::move(state)) {}

stream& stream::operator=(stream&& other) noexcept {
    if (this != &other) {
        release();
        session_ = std::move(other.session_);
        state_ = std::move(other.state_);
    }
    return *this;
}

stream::~stream() { release(); }

void stream::release() {
    if (session_ && state_) session_->stream_release(state_);
    state_.reset();
    session_.reset();
}

stream::executor_type stream::get_executor() const { return session_->get_executor(); }

std::uint32_t stream::id() const { return state_ ? state_->id : 0; }

void stream::close() {
    if (session_ && state_) session_->stream_close(state_);
}

void stream::start_read(const common::buffer_list<net::mutable_buffer>& buffers,
                        common::io_handler handler) {
    session_->stream_read(state_, buffers, std::move(handler));
}

void stream::start_write(const common::buffer_list<net::const_buffer>& buffers,
                         common::io_handler handler) {
    session_->stream_write(state_, buffers, std::move(handler));
}

void stream::start_shutdown(common::done_handler handler) {
    session_->stream_shutdown(state_, std::move(handler));
}

}  // namespace printgate::tunnel
