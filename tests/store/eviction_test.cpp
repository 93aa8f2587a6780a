// The store's eviction decisions, as pure functions.
#include <vector>

#include "store/eviction.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw::store;

TEST_GROUP(Eviction){};

TEST(Eviction, NothingToFreeUnderTheCap) {
    LONGS_EQUAL(0, bytes_over_cap(500, 100, 1000));
    LONGS_EQUAL(0, bytes_over_cap(900, 100, 1000));
}

TEST(Eviction, FreesExactlyTheOverflow) {
    LONGS_EQUAL(50, bytes_over_cap(950, 100, 1000));
    LONGS_EQUAL(100, bytes_over_cap(1000, 100, 1000));
}

TEST(Eviction, WhenFullFreesAnEighthOrWhatIsNeeded) {
    LONGS_EQUAL(1000, bytes_to_free_when_full(8000, 10));
    LONGS_EQUAL(3000, bytes_to_free_when_full(8000, 3000));
    // Never more than the lane holds; nothing when the lane is empty.
    LONGS_EQUAL(500, bytes_to_free_when_full(500, 3000));
    LONGS_EQUAL(0, bytes_to_free_when_full(0, 3000));
}

TEST(Eviction, PicksOldestRowsUntilCovered) {
    std::vector<RowSize> rows{{3, 100}, {4, 100}, {7, 300}, {9, 100}};
    auto p = pick_oldest(rows, 150);
    LONGS_EQUAL(4, p.last_seq);
    LONGS_EQUAL(2, p.rows);
    LONGS_EQUAL(200, p.bytes);
    p = pick_oldest(rows, 201);
    LONGS_EQUAL(7, p.last_seq);
    LONGS_EQUAL(3, p.rows);
}

TEST(Eviction, PicksNothingForNoNeedAndAllAtMost) {
    std::vector<RowSize> rows{{1, 10}, {2, 10}};
    LONGS_EQUAL(0, pick_oldest(rows, 0).rows);
    auto p = pick_oldest(rows, 1000);
    LONGS_EQUAL(2, p.rows);
    LONGS_EQUAL(2, p.last_seq);
}

TEST(Eviction, RowCostCountsOverhead) {
    LONGS_EQUAL(100 + kRowOverhead, row_cost(100));
}
