// download_gcode through the command protocol against a local HTTPS server: the file lands
// whole through the safe upload path (redirects followed, the certificate verified, the cap
// kept), and without download.allow_internal a loopback destination is refused before any
// connection is made.
#include "edge_harness.hpp"
#include "https_server.hpp"

using namespace edge_test;

namespace {

bool no_temporaries(const fs::path& files) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(files, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
        if (it->path().filename().string().rfind(".upload-", 0) == 0) return false;
    return true;
}

nlohmann::json command_download(edge_process& edge, const std::string& url, const std::string& id) {
    return request(edge.port(), "POST", "/api/v1/command",
                   nlohmann::json{{"type", "printer_control"}, {"action", "download_gcode"}, {"parameters", {{"url", url}}}, {"id", id}}
                       .dump())
        .json();
}

// The download record once it is no longer running.
nlohmann::json finished(edge_process& edge, int id) {
    nlohmann::json out;
    wait_until([&] {
        const auto list = edge.get("/api/v1/downloads");
        for (const auto& d : list["downloads"])
            if (d.value("id", 0) == id && d.value("status", "") != "running") {
                out = d;
                return true;
            }
        return false;
    }, patience);
    return out;
}

}  // namespace

TEST(edge_download, fetches_over_https_into_the_files_folder) {
    temp_dir dir;
    auto state = dir / "state";
    const std::string job = gcode_job(40);
    https_server server(dir / "server.pem", {{"/models/part.gcode", https_server::ok(job)},
                                             {"/moved.gcode", https_server::redirect("/models/part.gcode")},
                                             {"/big.gcode", https_server::ok(std::string(200000, ';'))}});
    edge_process edge(dir, demo_args(dir, state, "[files]\nmax_upload_bytes = 100000\n[download]\nallow_internal = true\nca_file = \"" +
                                                     (dir / "server.pem").string() + "\"\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();

    auto reply = command_download(edge, server.url("127.0.0.1", "/models/part.gcode"), "d1");
    ASSERT_EQ(reply.value("type", ""), "success") << reply;
    EXPECT_EQ(reply.value("id", ""), "d1");
    EXPECT_EQ(reply["data"].value("file", ""), "part.gcode");
    auto done = finished(edge, reply["data"].value("id", 0));
    ASSERT_EQ(done.value("status", ""), "done") << done << edge.log();
    EXPECT_EQ(printgate::testing::read_file(state / "files" / "part.gcode"), job);
    EXPECT_EQ(done.value("bytes", 0u), job.size());

    // A redirect is followed (and checked again); the name is the one the owner asked for.
    reply = command_download(edge, server.url("localhost", "/moved.gcode"), "d2");
    ASSERT_EQ(reply.value("type", ""), "success") << reply;
    done = finished(edge, reply["data"].value("id", 0));
    ASSERT_EQ(done.value("status", ""), "done") << done << edge.log();
    EXPECT_EQ(printgate::testing::read_file(state / "files" / "moved.gcode"), job);

    // Over the cap: refused, nothing left.
    reply = command_download(edge, server.url("127.0.0.1", "/big.gcode"), "d3");
    ASSERT_EQ(reply.value("type", ""), "success") << reply;
    done = finished(edge, reply["data"].value("id", 0));
    EXPECT_EQ(done.value("status", ""), "failed") << done;
    EXPECT_NE(done.value("error", "").find("larger than the limit"), std::string::npos) << done;
    EXPECT_FALSE(fs::exists(state / "files" / "big.gcode"));

    // A 404 is a failure with the server's answer.
    reply = command_download(edge, server.url("127.0.0.1", "/missing.gcode"), "d4");
    done = finished(edge, reply["data"].value("id", 0));
    EXPECT_NE(done.value("error", "").find("404"), std::string::npos) << done;
    EXPECT_FALSE(fs::exists(state / "files" / "missing.gcode"));
    EXPECT_TRUE(no_temporaries(state / "files"));

    // Refused at once, naming the field: plain http (not allowed by default), not a G-code name.
    for (const std::string& bad : {"http://127.0.0.1:" + std::to_string(server.port()) + "/models/part.gcode",
                                  server.url("127.0.0.1", "/models/part.stl"), std::string("not a url")}) {
        auto r = request(edge.port(), "POST", "/api/v1/command",
                         nlohmann::json{{"type", "printer_control"}, {"action", "download_gcode"}, {"parameters", {{"url", bad}}}}.dump());
        EXPECT_EQ(r.status, 400) << bad;
        EXPECT_EQ(r.json()["data"].value("field", ""), "parameters.url") << r.body;
    }
}

TEST(edge_download, loopback_and_untrusted_servers_are_refused) {
    temp_dir dir;
    auto state = dir / "state";
    https_server server(dir / "server.pem", {{"/part.gcode", https_server::ok(gcode_job(5))}});
    // The certificate is trusted, but loopback is not allowed (the default).
    edge_process edge(dir, demo_args(dir, state, "[download]\nca_file = \"" + (dir / "server.pem").string() + "\"\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();
    for (const char* host : {"127.0.0.1", "localhost", "[::1]", "127.1.2.3"}) {
        auto reply = command_download(edge, server.url(host, "/part.gcode"), host);
        ASSERT_EQ(reply.value("type", ""), "success") << reply;
        auto done = finished(edge, reply["data"].value("id", 0));
        EXPECT_EQ(done.value("status", ""), "failed") << host;
        EXPECT_NE(done.value("error", "").find("refused"), std::string::npos) << done;
    }
    EXPECT_EQ(server.connections(), 0) << "a refused destination is never connected to";
    EXPECT_FALSE(fs::exists(state / "files" / "part.gcode"));

    // Loopback allowed, but the server's certificate is not trusted: TLS fails, nothing stored.
    temp_dir other;
    auto state2 = other / "state";
    edge_process edge2(other, demo_args(other, state2, "[download]\nallow_internal = true\n"));
    ASSERT_TRUE(edge2.ready()) << edge2.log();
    auto reply = command_download(edge2, server.url("127.0.0.1", "/part.gcode"), "t");
    auto done = finished(edge2, reply["data"].value("id", 0));
    EXPECT_EQ(done.value("status", ""), "failed") << done;
    EXPECT_NE(done.value("error", "").find("TLS"), std::string::npos) << done;
    EXPECT_FALSE(fs::exists(state2 / "files" / "part.gcode"));
    EXPECT_TRUE(no_temporaries(state2 / "files"));
}
