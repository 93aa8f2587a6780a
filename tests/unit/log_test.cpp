#include "core/log.hpp"
#include "core/log_throttle.hpp"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include <CppUTest/TestHarness.h>

namespace {
std::string capture(const std::function<void(gw::Log&)>& fn,
                    gw::LogLevel level = gw::LogLevel::info) {
    char* buf = nullptr;
    size_t len = 0;
    FILE* mem = open_memstream(&buf, &len);
    {
        gw::Log log(level, mem);
        fn(log);
    }
    std::fclose(mem);
    std::string out(buf, len);
    std::free(buf);
    return out;
}
}  // namespace

TEST_GROUP(Log){};

TEST(Log, WritesOneLogfmtLine) {
    std::string out = capture([](gw::Log& log) {
        log.warn("modbus", "read timeout", {{"device", "plc 1"}, {"attempt", 2}});
    });
    STRCMP_EQUAL("level=warn component=modbus msg=\"read timeout\" device=\"plc 1\" attempt=2\n",
                 out.c_str());
}

TEST(Log, DropsRecordsBelowLevel) {
    std::string out = capture([](gw::Log& log) {
        log.debug("x", "hidden");
        log.error("x", "shown");
    });
    CHECK(out.find("hidden") == std::string::npos);
    CHECK(out.find("msg=shown") != std::string::npos);
}

TEST(Log, EscapesQuotesAndNewlines) {
    STRCMP_EQUAL("\"a\\\"b\\nc\"", gw::logfmt_value("a\"b\nc").c_str());
    STRCMP_EQUAL("\"\"", gw::logfmt_value("").c_str());
    STRCMP_EQUAL("plain", gw::logfmt_value("plain").c_str());
}

TEST(Log, ParsesLevels) {
    gw::LogLevel l = gw::LogLevel::info;
    CHECK(gw::parse_log_level("debug", l));
    CHECK(l == gw::LogLevel::debug);
    CHECK_FALSE(gw::parse_log_level("verbose", l));
}

TEST_GROUP(LogThrottle){};

// The first event is reported at once; within the interval the rest are
// only counted, and the next report carries them all.
TEST(LogThrottle, ReportsFirstThenOncePerIntervalWithTheCount) {
    gw::LogThrottle throttle(1000);
    UNSIGNED_LONGS_EQUAL(1, throttle.note(5000));
    UNSIGNED_LONGS_EQUAL(0, throttle.note(5001));
    UNSIGNED_LONGS_EQUAL(0, throttle.note(5999));
    UNSIGNED_LONGS_EQUAL(3, throttle.note(6000));
    UNSIGNED_LONGS_EQUAL(0, throttle.note(6500));
    UNSIGNED_LONGS_EQUAL(2, throttle.note(9000));
    UNSIGNED_LONGS_EQUAL(6, throttle.total());
}

// A monotonic clock may start at 0: the first event is still reported.
TEST(LogThrottle, ReportsTheFirstEventAtTimeZero) {
    gw::LogThrottle throttle;
    UNSIGNED_LONGS_EQUAL(1, throttle.note(0));
    UNSIGNED_LONGS_EQUAL(0, throttle.note(gw::LogThrottle::kDefaultIntervalMs - 1));
    UNSIGNED_LONGS_EQUAL(2, throttle.note(gw::LogThrottle::kDefaultIntervalMs));
}
