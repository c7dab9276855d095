#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <printgate/camera/camera_service.hpp>
#include <printgate/camera/timelapse.hpp>
#include <thread>

extern char** environ;

namespace printgate::camera {

namespace fs = std::filesystem;

namespace {

std::string safe_name(std::string_view job) {
    std::string out;
    for (char c : job) {
        if (out.size() >= 64) break;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
        out += ok ? c : '_';
    }
    // Drop a G-code extension, and never start with a dot (hidden, or "..").
    for (std::string_view ext : {".gcode", ".gco", ".g"})
        if (out.size() > ext.size() && out.compare(out.size() - ext.size(), ext.size(), ext) == 0)
            out.resize(out.size() - ext.size());
    while (!out.empty() && out.front() == '.') out.front() = '_';
    return out.empty() ? "print" : out;
}

std::string utc_stamp() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
    return buf;
}

bool plain_output_name(std::string_view name) {
    if (name.empty() || name.size() > 128 || name.front() == '.') return false;
    if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) return false;
    auto ends = [&](std::string_view s) { return name.size() > s.size() && name.substr(name.size() - s.size()) == s; };
    return ends(".mp4") || ends(".tar");
}

// A POSIX ustar archive of the frames (one directory), written to `tmp` then renamed.
bool write_tar(const fs::path& frames, const std::string& base, const fs::path& out) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(frames, ec))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    auto tmp = out;
    tmp += ".part";
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    if (!o) return false;
    auto now = static_cast<unsigned long long>(std::time(nullptr));
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::array<char, 512> h{};
        std::string name = base + "/" + f.filename().string();
        if (name.size() >= 100) continue;
        std::memcpy(h.data(), name.data(), name.size());
        std::snprintf(h.data() + 100, 8, "%07o", 0644);
        std::snprintf(h.data() + 108, 8, "%07o", 0);
        std::snprintf(h.data() + 116, 8, "%07o", 0);
        std::snprintf(h.data() + 124, 12, "%011llo", static_cast<unsigned long long>(data.size()));
        std::snprintf(h.data() + 136, 12, "%011llo", now);
        std::memset(h.data() + 148, ' ', 8);
        h[156] = '0';
        std::memcpy(h.data() + 257, "ustar", 6);
        std::memcpy(h.data() + 263, "00", 2);
        unsigned sum = 0;
        for (char c : h) sum += static_cast<unsigned char>(c);
        std::snprintf(h.data() + 148, 8, "%06o", sum);
        h[155] = ' ';
        o.write(h.data(), h.size());
        o.write(data.data(), static_cast<std::streamsize>(data.size()));
        std::array<char, 512> pad{};
        o.write(pad.data(), static_cast<std::streamsize>((512 - data.size() % 512) % 512));
    }
    std::array<char, 1024> end{};
    o.write(end.data(), end.size());
    o.close();
    if (!o) return false;
    fs::rename(tmp, out, ec);
    return !ec;
}

}  // namespace

struct timelapse::state : std::enable_shared_from_this<timelapse::state> {
    state(camera_service& s, timelapse_options o) : service(s), options(std::move(o)), interval_timer(s.executor()) {}

    struct job {
        fs::path frames;
        std::string base;
    };

    camera_service& service;
    timelapse_options options;
    net::steady_timer interval_timer;
    bool printing = false;
    bool capturing = false;
    std::optional<std::uint64_t> last_layer;  // of on_job_event's progress
    std::size_t frames = 0;
    job current;
    std::deque<job> pending;
    bool rendering = false;
    std::atomic<bool> cancel_render{false};
    std::atomic<pid_t> child{-1};
    std::thread worker;
    std::function<void(const std::string&, bool)> on_output;

    void capture() {
        if (!printing || capturing) return;
        capturing = true;
        auto self = shared_from_this();
        net::co_spawn(
            service.executor(),
            [self]() -> net::awaitable<void> {
                auto f = co_await self->service.snapshot(self->options.camera);
                self->capturing = false;
                if (!f || !self->printing) co_return;
                char name[32];
                std::snprintf(name, sizeof name, "frame-%06zu.jpg", self->frames + 1);
                std::ofstream o(self->current.frames / name, std::ios::binary | std::ios::trunc);
                o.write(reinterpret_cast<const char*>(f->jpeg.data()), static_cast<std::streamsize>(f->jpeg.size()));
                if (o) ++self->frames;
            },
            net::detached);
    }

    void tick() {
        if (options.interval.count() <= 0 || !printing) return;
        interval_timer.expires_after(options.interval);
        interval_timer.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            auto self = w.lock();
            if (ec || !self || !self->printing) return;
            self->capture();
            self->tick();
        });
    }

    fs::path unique_output(const std::string& base, const char* ext) {
        fs::path p = options.directory / (base + ext);
        for (int i = 2; fs::exists(p) && i < 1000; ++i) p = options.directory / (base + "-" + std::to_string(i) + ext);
        return p;
    }

    // Runs ffmpeg under nice; true when it exited 0.
    bool run_ffmpeg(const job& j, const fs::path& out) {
        std::vector<std::string> args;
        std::error_code ec;
        if (fs::exists(options.nice, ec)) args = {options.nice.string(), "-n", "19"};
        auto tmp = out;
        tmp += ".part.mp4";
        for (std::string a :
             {options.ffmpeg.string(), std::string("-nostdin"), std::string("-y"), std::string("-loglevel"),
              std::string("error"), std::string("-framerate"), std::to_string(options.video_fps), std::string("-i"),
              (j.frames / "frame-%06d.jpg").string(), std::string("-vf"),
              std::string("scale=trunc(iw/2)*2:trunc(ih/2)*2"), std::string("-c:v"), std::string("libx264"),
              std::string("-pix_fmt"), std::string("yuv420p"), std::string("-movflags"), std::string("+faststart"),
              tmp.string()})
            args.push_back(std::move(a));
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        pid_t pid = -1;
        if (cancel_render) {  // a print started before ffmpeg did
            posix_spawn_file_actions_destroy(&fa);
            return false;
        }
        int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        if (rc != 0) return false;
        child = pid;
        // print_started() sets cancel_render, then reads child; this sets child, then reads
        // cancel_render: one of the two sees the other, so ffmpeg never outlives the start
        // of a print by more than this.
        if (cancel_render) ::kill(pid, SIGTERM);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        child = -1;
        bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (ok) fs::rename(tmp, out, ec);
        if (!ok || ec) fs::remove(tmp, ec);
        return ok && !ec;
    }

    void start_next() {
        if (printing || rendering || pending.empty()) return;
        if (worker.joinable()) worker.join();
        job j = pending.front();
        pending.pop_front();
        std::error_code ec;
        if (fs::is_empty(j.frames, ec)) {
            fs::remove_all(j.frames, ec);
            start_next();
            return;
        }
        rendering = true;
        cancel_render = false;
        bool use_ffmpeg = fs::exists(options.ffmpeg, ec);
        auto mp4 = unique_output(j.base, ".mp4");
        auto tar = unique_output(j.base, ".tar");
        worker = std::thread([w = weak_from_this(), self = this, j, use_ffmpeg, mp4, tar, ex = service.executor()] {
            bool ok = use_ffmpeg && self->run_ffmpeg(j, mp4);
            fs::path made = mp4;
            bool cancelled = self->cancel_render;  // read on this thread after ffmpeg ended
            if (!ok && !cancelled) {
                made = tar;
                ok = write_tar(j.frames, j.base, tar);
            }
            net::post(ex, [w, j, ok, cancelled, made] {
                auto s = w.lock();
                if (!s) return;
                s->rendering = false;
                std::error_code ec;
                if (cancelled) {
                    s->pending.push_front(j);  // again after the print that interrupted it
                } else {
                    if (ok) fs::remove_all(j.frames, ec);
                    spdlog::info("timelapse {}: {}", made.filename().string(), ok ? "ready" : "failed");
                    if (s->on_output) s->on_output(made.filename().string(), ok);
                }
                s->start_next();
            });
        });
    }
};

timelapse::timelapse(camera_service& service, timelapse_options options)
    : state_(std::make_shared<state>(service, std::move(options))) {
    std::error_code ec;
    fs::create_directories(state_->options.directory, ec);
}

timelapse::~timelapse() {
    state_->printing = false;
    state_->interval_timer.cancel();
    state_->cancel_render = true;
    if (pid_t p = state_->child; p > 0) ::kill(p, SIGTERM);
    if (state_->worker.joinable()) state_->worker.join();
}

void timelapse::print_started(std::string_view job_name) {
    auto& s = *state_;
    if (s.printing) print_finished();
    if (s.rendering) {  // never render during a print: stop it, it is retried afterwards
        s.cancel_render = true;
        if (pid_t p = s.child; p > 0) ::kill(p, SIGTERM);
    }
    s.printing = true;
    s.frames = 0;
    s.current.base = safe_name(job_name) + "-" + utc_stamp();
    s.current.frames = s.options.directory / ("." + s.current.base + ".frames");
    std::error_code ec;
    fs::create_directories(s.current.frames, ec);
    s.tick();
}

void timelapse::on_layer_change() {
    state_->capture();
}

void timelapse::print_finished() {
    auto& s = *state_;
    if (!s.printing) return;
    s.printing = false;
    s.interval_timer.cancel();
    s.pending.push_back(s.current);
    s.start_next();
}

void timelapse::on_job_event(std::string_view topic, const nlohmann::json& message) {
    if (!message.is_object()) return;
    auto data = message.find("data");
    if (data == message.end() || !data->is_object()) return;
    if (topic == "job") {
        auto event = data->find("event");
        if (event == data->end() || !event->is_string()) return;
        const auto& name = event->get_ref<const std::string&>();
        if (name == "print_started") {
            auto file = data->find("file");
            print_started(file != data->end() && file->is_string() ? file->get_ref<const std::string&>() : "print");
            state_->last_layer.reset();
        } else if (name == "print_done" || name == "print_cancelled" || name == "print_failed") {
            print_finished();
        }
        return;
    }
    if (topic != "progress" || !state_->printing) return;
    auto layer = data->find("layer");
    // An integer >= 0 (unsigned as the edge builds it, signed as a parser may read it).
    if (layer == data->end() || !layer->is_number_integer()) return;
    if (!layer->is_number_unsigned() && layer->get<std::int64_t>() < 0) return;
    const auto n = layer->get<std::uint64_t>();
    if (state_->last_layer == n) return;
    state_->last_layer = n;
    on_layer_change();
}

bool timelapse::printing() const {
    return state_->printing;
}
std::size_t timelapse::frames_captured() const {
    return state_->frames;
}
bool timelapse::rendering() const {
    return state_->rendering;
}

std::vector<timelapse_item> timelapse::list() const {
    std::vector<timelapse_item> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(state_->options.directory, ec)) {
        auto name = e.path().filename().string();
        if (!e.is_regular_file() || !plain_output_name(name) || name.find(".part") != std::string::npos) continue;
        out.push_back({name, e.file_size(ec), name.substr(name.size() - 3)});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

std::optional<fs::path> timelapse::path_of(std::string_view name) const {
    if (!plain_output_name(name) || name.find(".part") != std::string_view::npos) return std::nullopt;
    auto p = state_->options.directory / std::string(name);
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return std::nullopt;
    return p;
}

bool timelapse::remove(std::string_view name) {
    auto p = path_of(name);
    std::error_code ec;
    return p && fs::remove(*p, ec);
}

void timelapse::on_output(std::function<void(const std::string&, bool)> callback) {
    state_->on_output = std::move(callback);
}

}  // namespace printgate::camera
