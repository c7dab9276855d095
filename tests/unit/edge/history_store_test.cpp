#include "printgate/edge/history_store.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace printgate::edge;

TEST(history_store, journal_survives_a_crash_as_interrupted) {
    printgate::testing::temp_dir dir;
    std::string why;
    std::int64_t id = 0;
    {
        auto store = history_store::open(dir / "edge.db", why);
        ASSERT_TRUE(store) << why;
        id = store->begin_job("a.gcode", "owner", 1000);
        ASSERT_GT(id, 0);
        EXPECT_TRUE(store->checkpoint(id, 120, 0.6, 210, 60));
        // The process dies here: no finish_job.
    }
    struct stat st{};
    ASSERT_EQ(::stat((dir / "edge.db").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto store = history_store::open(dir / "edge.db", why);
    ASSERT_TRUE(store) << why;
    EXPECT_EQ(store->mark_interrupted(2000), 1);
    auto row = store->get(id);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->status, "interrupted");
    EXPECT_EQ(row->last_line, 120u);
    EXPECT_DOUBLE_EQ(row->last_z.value_or(-1), 0.6);
    EXPECT_EQ(row->ended_at, 2000);
    EXPECT_EQ(store->mark_interrupted(3000), 0);
}

TEST(history_store, finish_list_and_totals) {
    printgate::testing::temp_dir dir;
    std::string why;
    auto store = history_store::open(dir / "edge.db", why);
    ASSERT_TRUE(store) << why;
    for (int i = 0; i < 3; ++i) {
        history_row r;
        r.id = store->begin_job("f" + std::to_string(i) + ".gcode", "", 100 + i);
        r.status = i == 1 ? "cancelled" : "completed";
        r.ended_at = 200 + i;
        r.print_time_s = 10;
        r.filament_mm = 100;
        r.last_line = 50;
        EXPECT_TRUE(store->finish_job(r));
    }
    auto rows = store->list(2);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].file, "f2.gcode");
    EXPECT_EQ(store->list(10, rows[1].id).size(), 1u);
    auto t = store->totals();
    EXPECT_EQ(t.jobs, 3u);
    EXPECT_EQ(t.completed, 2u);
    EXPECT_EQ(t.cancelled, 1u);
    EXPECT_DOUBLE_EQ(t.print_time_s, 30);
    // A finished job no longer takes checkpoints.
    EXPECT_TRUE(store->checkpoint(rows[0].id, 1, std::nullopt, 0, 0));
    EXPECT_EQ(store->get(rows[0].id)->last_line, 50u);
}

TEST(history_store, a_row_keeps_where_the_file_was_printed_from) {
    printgate::testing::temp_dir dir;
    std::string why;
    auto store = history_store::open(dir / "edge.db", why);
    ASSERT_TRUE(store) << why;
    const auto local = store->begin_job("a.gcode", "owner", 1000);
    const auto sd = store->begin_job("CUBE.GCO", "owner", 1001, "sdcard");
    EXPECT_EQ(store->get(local)->origin, "local");
    EXPECT_EQ(store->get(sd)->origin, "sdcard");
    store.reset();
    store = history_store::open(dir / "edge.db", why);  // the column is there already
    ASSERT_TRUE(store) << why;
    EXPECT_EQ(store->list(10)[0].origin, "sdcard");
}
