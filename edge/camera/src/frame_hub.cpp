#include <algorithm>
#include <boost/asio/post.hpp>
#include <printgate/camera/frame_hub.hpp>

namespace printgate::camera {

frame_hub::frame_hub(net::any_io_executor executor, const clock& clk)
    : executor_(std::move(executor)), clock_(clk), window_start_(clk.now()) {}

frame_hub::~frame_hub() {
    close();
}

frame_ptr frame_hub::publish(frame f) {
    f.number = next_number_++;
    f.expose_time = clock_.now();
    auto shared = std::make_shared<const frame>(std::move(f));
    latest_ = shared;
    ++frames_in_;
    roll_rates();
    // Copy: a slot's waiter runs later (offer only wakes it), so the list cannot change here,
    // but keeping the loop independent of that is cheap.
    for (auto& e : slots_) e.slot->offer(shared);
    return shared;
}

void frame_hub::publish_from_any_thread(const std::weak_ptr<frame_hub>& hub, frame f) {
    auto strong = hub.lock();
    if (!strong) return;
    net::post(strong->executor_, [hub, f = std::move(f)]() mutable {
        if (auto h = hub.lock()) h->publish(std::move(f));
    });
}

frame_hub::viewer frame_hub::add_viewer(viewer_options options, bool with_latest) {
    auto slot = std::make_shared<frame_slot>(executor_, clock_, options.max_fps);
    if (closed_) {
        slot->close();
    } else {
        if (with_latest && latest_) slot->offer(latest_);
        slots_.push_back({slot, options.counted});
        if (demand_changed_) demand_changed_(slots_.size());
    }
    return viewer(weak_from_this(), std::move(slot));
}

void frame_hub::remove(const frame_slot* slot) {
    auto it = std::find_if(slots_.begin(), slots_.end(), [slot](const entry& e) { return e.slot.get() == slot; });
    if (it == slots_.end()) return;
    if (it->counted) {
        gone_taken_ += it->slot->taken();
        gone_skipped_ += it->slot->skipped();
    }
    it->slot->close();
    slots_.erase(it);
    if (demand_changed_) demand_changed_(slots_.size());
}

std::size_t frame_hub::viewers() const {
    return static_cast<std::size_t>(
        std::count_if(slots_.begin(), slots_.end(), [](const entry& e) { return e.counted; }));
}

void frame_hub::on_demand_changed(std::function<void(std::size_t)> callback) {
    demand_changed_ = std::move(callback);
}

void frame_hub::roll_rates() const {
    auto now = clock_.now();
    auto elapsed = now - window_start_;
    if (elapsed < std::chrono::seconds(1)) return;
    std::uint64_t out = gone_taken_;
    for (const auto& e : slots_)
        if (e.counted) out += e.slot->taken();
    double seconds = std::chrono::duration<double>(elapsed).count();
    // A window much longer than a second means nothing happened for a while.
    fps_in_ = static_cast<double>(frames_in_ - window_in_start_) / seconds;
    fps_out_ = static_cast<double>(out - window_out_start_) / seconds;
    window_start_ = now;
    window_in_start_ = frames_in_;
    window_out_start_ = out;
}

hub_stats frame_hub::stats() const {
    roll_rates();
    hub_stats s;
    s.frames_in = frames_in_;
    s.frames_out = gone_taken_;
    s.drops = gone_skipped_;
    for (const auto& e : slots_) {
        if (!e.counted) continue;
        s.frames_out += e.slot->taken();
        s.drops += e.slot->skipped();
        ++s.viewers;
    }
    s.demand = slots_.size();
    s.fps_in = fps_in_;
    s.fps_out = fps_out_;
    if (latest_) {
        s.latency_ms = std::chrono::duration<double, std::milli>(latest_->expose_time - latest_->grab_time).count();
        s.latest_number = latest_->number;
    }
    return s;
}

void frame_hub::close() {
    closed_ = true;
    for (auto& e : slots_) e.slot->close();
}

frame_hub::viewer::viewer(viewer&& other) noexcept : hub_(std::move(other.hub_)), slot_(std::move(other.slot_)) {}

frame_hub::viewer& frame_hub::viewer::operator=(viewer&& other) noexcept {
    if (this != &other) {
        reset();
        hub_ = std::move(other.hub_);
        slot_ = std::move(other.slot_);
    }
    return *this;
}

frame_hub::viewer::~viewer() {
    reset();
}

void frame_hub::viewer::reset() {
    if (slot_) {
        if (auto hub = hub_.lock()) hub->remove(slot_.get());
        slot_->close();
    }
    slot_.reset();
    hub_.reset();
}

}  // namespace printgate::camera
