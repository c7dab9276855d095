// Uploads that must leave nothing behind: over the size cap (declared or streamed), and a
// write failure (RLIMIT_FSIZE in the edge process, SIGXFSZ ignored: write() fails with EFBIG).
#include "edge_harness.hpp"

#include <csignal>
#include <sys/resource.h>

using namespace edge_test;

namespace {

bool no_files_left(const fs::path& files) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(files, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
        if (it->is_regular_file()) return false;
    return true;
}

}  // namespace

TEST(edge_upload, over_the_cap_is_413_and_leaves_nothing) {
    temp_dir dir;
    auto state = dir / "state";
    edge_process edge(dir, demo_args(dir, state, "[files]\nmax_upload_bytes = 150000\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();

    // Declared too large: answered before the body is sent (Expect: 100-continue).
    const std::string boundary = "b0undary";
    const std::string big = multipart(boundary, {}, "big.gcode", std::string(300000, 'G'));
    int fd = connect_to(edge.port());
    ASSERT_GE(fd, 0);
    send_all(fd, "POST /api/v1/files HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: multipart/form-data; boundary=" +
                     boundary + "\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n");
    auto reply = parse_reply(read_all(fd));
    ::close(fd);
    EXPECT_EQ(reply.status, 413) << reply.head;

    // Declared too large and sent whole at once, the way most clients do: the answer still
    // arrives (the edge answers early, then reads and drops the rest).
    reply = request(edge.port(), "POST", "/api/v1/files", big, "multipart/form-data; boundary=" + boundary);
    EXPECT_EQ(reply.status, 413) << reply.head;
    EXPECT_NE(reply.json().value("error", "").find("larger than the limit"), std::string::npos) << reply.body;

    // Streamed without a length (chunked): the cap trips mid-body.
    fd = connect_to(edge.port());
    ASSERT_GE(fd, 0);
    std::string req = "POST /api/v1/files HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: multipart/form-data; boundary=" +
                      boundary + "\r\n\r\n";
    for (std::size_t i = 0; i < big.size(); i += 8192) {
        auto piece = big.substr(i, 8192);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        req += size + piece + "\r\n";
    }
    req += "0\r\n\r\n";
    send_all(fd, req);
    reply = parse_reply(read_all(fd));
    ::close(fd);
    EXPECT_EQ(reply.status, 413) << reply.head;
    EXPECT_TRUE(no_files_left(state / "files"));

    // A file under the cap but far over http.max_body_bytes (64 KiB) is stored.
    auto ok = upload(edge.port(), "/api/v1/files", "fits.gcode", std::string(140000, ';'));
    EXPECT_EQ(ok.status, 201) << ok.body;
    EXPECT_EQ(fs::file_size(state / "files" / "fits.gcode"), 140000u);
}

TEST(edge_upload, write_failure_leaves_nothing_and_says_why) {
    temp_dir dir;
    auto state = dir / "state";
    auto args = demo_args(dir, state);
    // The child inherits the limit and the ignored SIGXFSZ; the test process gets its own
    // limit back at once.
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    ::getrlimit(RLIMIT_FSIZE, &old);
    rlimit low = old;
    low.rlim_cur = 256 * 1024;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &low), 0);
    edge_process edge(dir, args);
    ::setrlimit(RLIMIT_FSIZE, &old);
    ASSERT_TRUE(edge.ready()) << edge.log();

    auto r = upload(edge.port(), "/api/v1/files", "huge.gcode", std::string(1 << 20, ';'));
    EXPECT_EQ(r.status, 507) << r.body;
    EXPECT_NE(r.json().value("error", "").find("cannot store the upload"), std::string::npos) << r.body;
    EXPECT_TRUE(no_files_left(state / "files"));
    // Still serving.
    EXPECT_EQ(upload(edge.port(), "/api/v1/files", "small.gcode", "G28\n").status, 201);
}

TEST(edge_upload, bad_uploads_are_refused) {
    temp_dir dir;
    auto state = dir / "state";
    edge_process edge(dir, demo_args(dir, state));
    ASSERT_TRUE(edge.ready()) << edge.log();
    EXPECT_EQ(upload(edge.port(), "/api/v1/files", "notes.txt", "x").status, 415);
    EXPECT_EQ(upload(edge.port(), "/api/v1/files", ".hidden.gcode", "x").status, 400);
    EXPECT_EQ(upload(edge.port(), "/api/v1/files", "a.gcode", "x", {{"path", "../outside"}}).status, 400);
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/files", "--x\r\n", "multipart/form-data; boundary=x").status, 400);
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/files", "{}", "application/json").status, 400);
    EXPECT_TRUE(no_files_left(state / "files"));
    EXPECT_FALSE(fs::exists(dir / "outside"));
}

TEST(edge_upload, silent_connections_are_closed_and_a_stalled_upload_leaves_nothing) {
    temp_dir dir;
    auto state = dir / "state";
    edge_process edge(dir, demo_args(dir, state, "[http]\nidle_timeout_ms = 300\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();

    // Connected, never says a thing: closed by the edge (read_all ends long before patience).
    const auto t0 = std::chrono::steady_clock::now();
    int fd = connect_to(edge.port());
    ASSERT_GE(fd, 0);
    EXPECT_EQ(read_all(fd), "");
    ::close(fd);

    // Half an upload, then silence: closed, and the temporary file is gone.
    const std::string boundary = "b0undary";
    const std::string body = multipart(boundary, {}, "stalled.gcode", std::string(100000, 'G'));
    fd = connect_to(edge.port());
    ASSERT_GE(fd, 0);
    send_all(fd, "POST /api/v1/files HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=" + boundary +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, body.size() / 2));
    EXPECT_EQ(read_all(fd), "");
    ::close(fd);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, patience);
    EXPECT_TRUE(wait_until([&] { return no_files_left(state / "files"); }, patience));

    // A connection in use is not cut: keep-alive requests closer together than the timeout.
    EXPECT_EQ(upload(edge.port(), "/api/v1/files", "ok.gcode", "G28\n").status, 201);
}
