#pragma once
// Timelapse of a print: one frame per layer change (the job streamer tells the edge, the edge
// calls on_layer_change()) and/or one per interval. After the print, the frames become an MP4
// rendered by ffmpeg (a child process under `nice -n 19`, never while a print runs) or, when
// ffmpeg is missing or fails, a tar archive of the JPEG frames. list / path_of / remove are
// what the edge's API mounts.
//
// Threading: construct and call on the camera_service's executor.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::camera {

class camera_service;

struct timelapse_options {
    std::filesystem::path directory;        // created if missing
    std::string camera;                     // empty: the first camera
    std::chrono::milliseconds interval{0};  // 0: layer changes only
    int video_fps = 25;
    std::filesystem::path ffmpeg = "/usr/bin/ffmpeg";  // missing file: archive instead
    std::filesystem::path nice = "/usr/bin/nice";      // missing file: ffmpeg without it
};

struct timelapse_item {
    std::string name;  // file name: "NAME-YYYYmmdd-HHMMSS.mp4" or ".tar"
    std::uintmax_t bytes = 0;
    std::string kind;  // "mp4" | "tar"
};

class timelapse {
public:
    timelapse(camera_service& service, timelapse_options options);
    ~timelapse();  // waits for a running render to stop (it is terminated)
    timelapse(const timelapse&) = delete;
    timelapse& operator=(const timelapse&) = delete;

    // Starts collecting frames for a job (name reduced to [A-Za-z0-9._-]). A render still
    // running from an earlier print is stopped and retried after this print.
    void print_started(std::string_view job_name);
    void on_layer_change();  // captures one frame (no-op when no print is running)
    // Ends collecting; renders (or archives) in the background.
    void print_finished();

    // The edge's job events as its push hub sends them ({"data": {...}} envelopes):
    // topic "job" with event print_started (data.file names the output) and print_done /
    // print_cancelled / print_failed; topic "progress" with data.layer: one frame each time
    // the layer number changes (progress arrives at most every 500 ms, so layers shorter
    // than that share a frame). Everything else is ignored.
    void on_job_event(std::string_view topic, const nlohmann::json& message);

    [[nodiscard]] bool printing() const;
    [[nodiscard]] std::size_t frames_captured() const;  // of the current / last print
    [[nodiscard]] bool rendering() const;

    [[nodiscard]] std::vector<timelapse_item> list() const;
    // The file for a download; nullopt for an unknown name or one that is not a plain file
    // name of this directory ("../x", "a/b").
    [[nodiscard]] std::optional<std::filesystem::path> path_of(std::string_view name) const;
    bool remove(std::string_view name);

    // Called on the executor when a render or archive ends: (item name, ok).
    void on_output(std::function<void(const std::string&, bool)> callback);

private:
    struct state;
    std::shared_ptr<state> state_;
};

}  // namespace printgate::camera
