#include "printgate/edge/edge_config.hpp"
#include "printgate/edge/file_store.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

using namespace printgate::edge;

TEST(edge_config, defaults_and_values) {
    auto r = parse_config(R"(
[http]
port = 0
[printer]
port = "/dev/ttyACM0"
baud = 115200
flow = "one-line"
[profile]
volume_x = 250
heated_bed = false
[demo]
sim_args = ["--home-time", "0.2"]
)");
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->http_port, 0);
    EXPECT_EQ(r.config->http_address, "127.0.0.1");
    EXPECT_EQ(r.config->printer_port, "/dev/ttyACM0");
    EXPECT_EQ(r.config->baud, 115200u);
    EXPECT_EQ(r.config->flow, "one-line");
    EXPECT_DOUBLE_EQ(r.config->profile.volume_x, 250);
    EXPECT_FALSE(r.config->profile.heated_bed);
    EXPECT_EQ(r.config->sim_args, (std::vector<std::string>{"--home-time", "0.2"}));
}

TEST(edge_config, errors_name_the_key) {
    EXPECT_NE(parse_config("[http]\nprot = 1\n").error.find("http.prot"), std::string::npos);
    EXPECT_NE(parse_config("[http]\nport = 70000\n").error.find("http.port"), std::string::npos);
    EXPECT_NE(parse_config("[http]\nport = \"80\"\n").error.find("http.port"), std::string::npos);
    EXPECT_NE(parse_config("[printer]\nflow = \"fast\"\n").error.find("printer.flow"), std::string::npos);
    EXPECT_NE(parse_config("port = 1\n").error.find("port"), std::string::npos);
    EXPECT_NE(parse_config("[http\n").error.find("syntax"), std::string::npos);
    EXPECT_FALSE(load_config("/nonexistent/edge.toml").config);
}

TEST(file_store, paths_stay_inside_the_folder) {
    printgate::testing::temp_dir dir;
    file_store files(dir / "files");
    std::string why;
    EXPECT_TRUE(files.resolve("a/b.gcode", why));
    EXPECT_TRUE(files.resolve("/a/b.gcode", why));
    for (const char* bad : {"", "..", "../x", "a/../../x", ".hidden", "a//b", "a\\b", "a/\x01"}) {
        EXPECT_FALSE(files.resolve(bad, why)) << bad;
    }
    EXPECT_TRUE(files.make_folder("sub", why)) << why;
    EXPECT_FALSE(files.make_folder("sub", why));
    EXPECT_FALSE(files.move("sub", "sub/inner", why));
    EXPECT_FALSE(files.remove("nothing", why));
}

TEST(file_store, upload_is_all_or_nothing) {
    printgate::testing::temp_dir dir;
    file_store files(dir / "files");
    std::error_code ec;
    {
        auto up = upload_file::create(files.root(), ec);
        ASSERT_TRUE(up) << ec.message();
        ASSERT_TRUE(up->write(std::string_view("G28\n"), ec));
        // dropped without commit
    }
    EXPECT_TRUE(files.list().empty());
    EXPECT_TRUE(std::filesystem::is_empty(files.root()));
    auto up = upload_file::create(files.root(), ec);
    ASSERT_TRUE(up->write(std::string_view("G28\n"), ec));
    ASSERT_TRUE(up->commit(files.root() / "a.gcode", ec)) << ec.message();
    auto list = files.list();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].path, "a.gcode");
    EXPECT_EQ(list[0].size, 4u);
}
