// The persistent metadata cache: real G-code analysis, a real SQLite file, and files changed,
// removed and corrupted under it.
#include "printgate/edge/metadata_cache.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/stat.h>

using namespace printgate::edge;
using printgate::testing::temp_dir;
using printgate::testing::write_file;

namespace {

std::string layers(int n) {
    std::string s = "; test file\nG28\nM83\n";
    for (int i = 0; i < n; ++i)
        s += ";LAYER_CHANGE\n;Z:" + std::to_string(0.2 * (i + 1)) + "\nG1 Z" + std::to_string(0.2 * (i + 1)) + "\nG1 X10 Y10 E1 F1200\n";
    return s;
}

int layer_count(const std::optional<file_metadata>& m) {
    if (!m) return -1;
    return nlohmann::json::parse(m->json).value("layer_count", -1);
}

}  // namespace

TEST(metadata_cache, a_file_is_analysed_once_even_across_restarts) {
    temp_dir dir;
    write_file(dir / "a.gcode", layers(3));
    std::string why;
    {
        metadata_cache cache(dir / "metadata.db");
        ASSERT_TRUE(cache.persistent());
        EXPECT_FALSE(cache.peek("a.gcode", dir / "a.gcode"));  // peek never reads the file
        EXPECT_EQ(layer_count(cache.get("a.gcode", dir / "a.gcode", why)), 3) << why;
        EXPECT_EQ(layer_count(cache.get("a.gcode", dir / "a.gcode", why)), 3);
        EXPECT_EQ(layer_count(cache.peek("a.gcode", dir / "a.gcode")), 3);
        EXPECT_EQ(cache.analyses(), 1u);
    }
    struct stat st{};
    ASSERT_EQ(::stat((dir / "metadata.db").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    metadata_cache again(dir / "metadata.db");
    EXPECT_EQ(layer_count(again.get("a.gcode", dir / "a.gcode", why)), 3);
    EXPECT_EQ(again.analyses(), 0u);
}

TEST(metadata_cache, a_changed_file_is_analysed_again) {
    temp_dir dir;
    write_file(dir / "a.gcode", layers(3));
    metadata_cache cache(dir / "metadata.db");
    std::string why;
    EXPECT_EQ(layer_count(cache.get("a.gcode", dir / "a.gcode", why)), 3);
    write_file(dir / "a.gcode", layers(5));  // another size
    EXPECT_FALSE(cache.peek("a.gcode", dir / "a.gcode"));
    EXPECT_EQ(layer_count(cache.get("a.gcode", dir / "a.gcode", why)), 5);
    EXPECT_EQ(cache.analyses(), 2u);
    // Same size, another modification time.
    write_file(dir / "a.gcode", layers(5));
    timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (dir / "a.gcode").c_str(), times, 0), 0);
    EXPECT_EQ(layer_count(cache.get("a.gcode", dir / "a.gcode", why)), 5);
    EXPECT_EQ(cache.analyses(), 3u);
}

TEST(metadata_cache, invalidate_forgets_a_file_or_a_whole_folder) {
    temp_dir dir;
    std::filesystem::create_directories(dir / "f");
    write_file(dir / "f" / "a.gcode", layers(1));
    write_file(dir / "f" / "b.gcode", layers(2));
    write_file(dir / "fx.gcode", layers(3));
    metadata_cache cache(dir / "metadata.db");
    std::string why;
    for (const char* k : {"f/a.gcode", "f/b.gcode", "fx.gcode"}) ASSERT_TRUE(cache.get(k, dir / k, why)) << why;
    cache.invalidate("f/a.gcode");
    EXPECT_FALSE(cache.peek("f/a.gcode", dir / "f" / "a.gcode"));
    EXPECT_TRUE(cache.peek("f/b.gcode", dir / "f" / "b.gcode"));
    cache.invalidate("f");
    EXPECT_FALSE(cache.peek("f/b.gcode", dir / "f" / "b.gcode"));
    EXPECT_TRUE(cache.peek("fx.gcode", dir / "fx.gcode"));  // a sibling whose name starts alike stays
}

TEST(metadata_cache, missing_and_unreadable_files_are_errors_and_store_nothing) {
    temp_dir dir;
    metadata_cache cache(dir / "metadata.db");
    std::string why;
    EXPECT_FALSE(cache.get("none.gcode", dir / "none.gcode", why));
    EXPECT_NE(why.find("cannot read"), std::string::npos) << why;
    std::filesystem::create_directories(dir / "folder.gcode");
    why.clear();
    EXPECT_FALSE(cache.get("folder.gcode", dir / "folder.gcode", why));
    EXPECT_FALSE(why.empty());
}

TEST(metadata_cache, a_corrupt_cache_is_made_anew) {
    temp_dir dir;
    write_file(dir / "a.gcode", layers(2));
    write_file(dir / "metadata.db", std::string(8192, 'x'));  // not a database at all
    metadata_cache cache(dir / "metadata.db");
    EXPECT_TRUE(cache.persistent());
    std::string why;
    EXPECT_EQ(layer_count(cache.get("a.gcode", dir / "a.gcode", why)), 2) << why;
    EXPECT_EQ(layer_count(cache.peek("a.gcode", dir / "a.gcode")), 2);
}

TEST(metadata_cache, without_a_usable_database_it_still_answers) {
    temp_dir dir;
    write_file(dir / "a.gcode", layers(2));
    std::filesystem::create_directories(dir / "metadata.db");  // a folder where the file should be
    metadata_cache cache(dir / "metadata.db");
    EXPECT_FALSE(cache.persistent());
    EXPECT_TRUE(std::filesystem::is_directory(dir / "metadata.db"));  // never removed
    std::string why;
    EXPECT_EQ(layer_count(cache.get("a.gcode", dir / "a.gcode", why)), 2) << why;
    EXPECT_EQ(layer_count(cache.get("a.gcode", dir / "a.gcode", why)), 2);
    EXPECT_EQ(cache.analyses(), 2u);
}
