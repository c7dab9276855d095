#include <spdlog/spdlog.h>

#include <printgate/camera/camera_service.hpp>
#include <stdexcept>

namespace printgate::camera {

camera_unit::camera_unit(net::any_io_executor executor, camera_config config, const clock& clk)
    : config_(std::move(config)), hub_(std::make_shared<frame_hub>(executor, clk)), linger_(executor) {
    source_ = make_source(config_, hub_, clk);
    hub_->on_demand_changed([this](std::size_t d) { demand_changed(d); });
}

camera_unit::camera_unit(net::any_io_executor executor, camera_config config, const clock&,
                         std::unique_ptr<frame_source> source, std::shared_ptr<frame_hub> hub)
    : config_(std::move(config)), hub_(std::move(hub)), source_(std::move(source)), linger_(executor) {
    hub_->on_demand_changed([this](std::size_t d) { demand_changed(d); });
}

camera_unit::~camera_unit() {
    stop();
    hub_->on_demand_changed(nullptr);
}

void camera_unit::demand_changed(std::size_t demand) {
    if (stopped_) return;
    if (demand > 0) {
        linger_.cancel();
        if (!source_->running()) {
            spdlog::info("camera {}: starting {} source", config_.name, to_string(config_.kind));
            source_->start();
        }
        return;
    }
    // Nobody wants frames: keep the source a little longer, then close it.
    linger_.expires_after(config_.idle_linger);
    linger_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_ || hub_->demand() > 0) return;
        spdlog::info("camera {}: nobody watches, closing the source", config_.name);
        source_->stop();
    });
}

void camera_unit::hold(bool on) {
    if (on && !hold_) hold_ = hub_->add_viewer({0, false});
    if (!on) hold_.reset();
}

void camera_unit::stop() {
    if (stopped_) return;
    stopped_ = true;
    linger_.cancel();
    hold_.reset();
    source_->stop();
    hub_->close();
}

camera_service::camera_service(net::any_io_executor executor, std::vector<camera_config> cameras,
                               service_options options, const clock& clk)
    : executor_(std::move(executor)), options_(options), clock_(clk) {
    for (auto& c : cameras) {
        if (auto problem = validate(c); !problem.empty())
            throw std::invalid_argument("camera " + c.name + ": " + problem);
        for (const auto& existing : cameras_)
            if (existing->config().name == c.name)
                throw std::invalid_argument("camera " + c.name + ": name used twice");
        cameras_.push_back(std::make_unique<camera_unit>(executor_, std::move(c), clock_));
    }
}

camera_service::~camera_service() {
    stop();
}

camera_unit& camera_service::add(std::unique_ptr<camera_unit> camera) {
    for (const auto& existing : cameras_)
        if (existing->config().name == camera->config().name)
            throw std::invalid_argument("camera " + camera->config().name + ": name used twice");
    cameras_.push_back(std::move(camera));
    return *cameras_.back();
}

camera_unit* camera_service::find(std::string_view name) {
    if (cameras_.empty()) return nullptr;
    if (name.empty()) return cameras_.front().get();
    for (auto& c : cameras_)
        if (c->config().name == name) return c.get();
    return nullptr;
}

std::vector<camera_provider> camera_service::get_providers() const {
    std::vector<camera_provider> out;
    for (const auto& c : cameras_) {
        const auto& cfg = c->config();
        camera_provider p;
        p.name = cfg.name;
        p.kind = std::string(to_string(cfg.kind));
        p.address = cfg.kind == source_kind::http ? cfg.url : cfg.device;
        p.width = cfg.width;
        p.height = cfg.height;
        p.fps = cfg.fps;
        if (auto latest = c->hub().latest(); latest && latest->width > 0) {
            p.width = latest->width;
            p.height = latest->height;
        }
        p.running = c->source_running();
        p.viewers = c->hub().viewers();
        p.last_error = c->source().last_error();
        out.push_back(std::move(p));
    }
    return out;
}

net::awaitable<frame_ptr> camera_service::snapshot(std::string_view name) {
    camera_unit* cam = find(name);
    if (!cam) co_return nullptr;
    auto& hub = cam->hub();
    // While the source runs, the newest frame is fresh; otherwise wake it for a new one.
    if (auto latest = hub.latest();
        latest && cam->source_running() && clock_.now() - latest->expose_time < std::chrono::seconds(2)) {
        co_return latest;
    }
    auto after = hub.latest() ? hub.latest()->number : 0;
    auto v = hub.add_viewer({0, false});
    auto f = co_await v.next(after, options_.snapshot_timeout);
    co_return f;
}

bool camera_service::stream_on(std::string_view name) {
    camera_unit* cam = find(name);
    if (!cam) return false;
    cam->hold(true);
    return true;
}

bool camera_service::stream_off(std::string_view name) {
    camera_unit* cam = find(name);
    if (!cam) return false;
    cam->hold(false);
    return true;
}

timelapse& camera_service::enable_timelapse(timelapse_options options) {
    timelapse_.reset();
    timelapse_ = std::make_unique<timelapse>(*this, std::move(options));
    return *timelapse_;
}

void camera_service::stop() {
    for (auto& c : cameras_) c->stop();
}

}  // namespace printgate::camera
