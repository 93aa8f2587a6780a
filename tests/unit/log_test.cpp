#include "core/log.hpp"

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
