#include "core/event_id.hpp"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include <CppUTest/TestHarness.h>

TEST_GROUP(EventId){};

TEST(EventId, NamesGatewayBootAndSequence) {
    gw::EventIdSource ids("gw-01", 7);
    STRCMP_EQUAL("gw-01-7-00000001", ids.next().c_str());
    STRCMP_EQUAL("gw-01-7-00000002", ids.next().c_str());
}

TEST(EventId, DifferentBootsNeverCollide) {
    gw::EventIdSource a("gw-01", 1), b("gw-01", 2);
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        CHECK(seen.insert(a.next()).second);
        CHECK(seen.insert(b.next()).second);
    }
}

TEST(EventId, UniqueAcrossThreads) {
    gw::EventIdSource ids("gw-01", 3);
    std::vector<std::vector<std::string>> got(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) got[t].push_back(ids.next());
        });
    for (auto& th : threads) th.join();
    std::set<std::string> all;
    for (auto& v : got) all.insert(v.begin(), v.end());
    LONGS_EQUAL(8000, all.size());
}
