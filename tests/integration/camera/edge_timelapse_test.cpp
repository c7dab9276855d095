// The timelapse inside the real edge: `printgate-edge run --demo` (test-pattern camera,
// printgate-sim) prints a four-layer file; the edge feeds its job events to the camera's
// timelapse, which takes one picture per layer change and, after the print, renders an MP4
// with the real ffmpeg (or, without it, a tar of the pictures) in STATE/timelapse.
#include <array>
#include <filesystem>
#include <fstream>
#include <string>

#include "../edge/edge_harness.hpp"

using namespace edge_test;

namespace {

// The outputs in the timelapse folder (hidden frame folders and partial files left out).
std::vector<fs::path> outputs(const fs::path& folder) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        auto name = e.path().filename().string();
        if (!e.is_regular_file() || name.front() == '.' || name.find(".part") != std::string::npos) continue;
        out.push_back(e.path());
    }
    return out;
}

// Pictures in an output: ffprobe's frame count for an MP4, entries for a tar.
long pictures_in(const temp_dir& dir, const fs::path& file) {
    if (file.extension() == ".mp4") {
        child_process probe({"/usr/bin/ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                             "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file.string()},
                            dir / "probe.out", dir / "probe.err");
        if (probe.wait(std::chrono::seconds(60)) != 0) return -1;
        return std::stol(probe.out());
    }
    std::ifstream in(file, std::ios::binary);
    long entries = 0;
    std::array<char, 512> header{};
    while (in.read(header.data(), header.size()) && header[0] != '\0') {
        ++entries;
        auto size = std::stoul(std::string(header.data() + 124, 11), nullptr, 8);
        in.seekg(static_cast<std::streamoff>((size + 511) / 512 * 512), std::ios::cur);
    }
    return entries;
}

}  // namespace

TEST(edge_timelapse, a_print_gets_one_picture_per_layer_and_a_video_after_it) {
    temp_dir dir;
    const fs::path state = dir / "state";
    edge_process edge{dir, demo_args(dir, state)};
    ASSERT_TRUE(edge.ready()) << edge.log();
    ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();

    // Four layers of 50 moves (about 2 s each at F3000): progress, pushed every 500 ms,
    // sees every layer change.
    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "cube.gcode", gcode_job(200)).status, 201);
    EXPECT_EQ(edge.get("/api/v1/metadata/cube.gcode").value("layer_count", 0), 4);
    ASSERT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"cube.gcode"})").status, 200);
    ASSERT_TRUE(edge.wait_for("/api/v1/history", [](const nlohmann::json& h) {
        return !h["jobs"].empty() && h["jobs"][0].value("status", "") == "completed";
    })) << edge.log();

    // After the print: one output named after the file.
    const auto folder = state / "timelapse";
    ASSERT_TRUE(wait_until([&] { return !outputs(folder).empty(); }, patience)) << edge.log();
    auto made = outputs(folder);
    ASSERT_EQ(made.size(), 1u);
    EXPECT_EQ(made[0].filename().string().rfind("cube-", 0), 0u) << made[0];
    EXPECT_EQ(made[0].extension(), ".mp4") << "ffmpeg is installed here, so an MP4 is expected";
    // One picture per layer (a layer can only be missed if it lasted under 500 ms).
    const auto pictures = pictures_in(dir, made[0]);
    EXPECT_GE(pictures, 3) << made[0];
    EXPECT_LE(pictures, 5) << made[0];
}
