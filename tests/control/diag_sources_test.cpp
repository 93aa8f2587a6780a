// What `gatewayctl devices` and `selftest` make of a serial port's counters:
// the framer's errors are shown, and an open port passes the selftest only
// once a line gave a sample (an open tty with nothing on it, or garbage at
// the wrong baud rate, used to pass as "answering").
#include "control/diag_sources.hpp"
#include "control/diag.hpp"

#include <string>

#include <CppUTest/TestHarness.h>

namespace {

nlohmann::json serial_device(const gw::serial::SerialCounters& c) {
    return gw::devices_json({}, {c}, {}).at(0);
}

gw::serial::SerialCounters open_port() {
    gw::serial::SerialCounters c;
    c.port = "nmea-1";
    c.open = true;
    return c;
}

}  // namespace

TEST_GROUP(DiagSources){};

TEST(DiagSources, SerialFramingErrorsAreShown) {
    auto c = open_port();
    c.framer.bytes = 1048600;
    c.framer.garbage = 2;
    c.framer.overlong = 1;
    c.framer.bad_checksum = 5;
    c.framer.empty = 7;
    c.opens = 3;
    const auto d = serial_device(c);
    LONGS_EQUAL(1048600, d["bytes"].get<long>());
    LONGS_EQUAL(2, d["garbage"].get<long>());
    LONGS_EQUAL(1, d["overlong"].get<long>());
    LONGS_EQUAL(5, d["bad_checksum"].get<long>());
    LONGS_EQUAL(7, d["empty"].get<long>());  // blank lines: shown, not an error
    LONGS_EQUAL(3, d["opens"].get<long>());  // 2 reopens: the line came and went
}

TEST(DiagSources, AnOpenSerialPortPassesTheSelftestOnlyOnceALineGaveASample) {
    auto c = open_port();
    auto check = gw::serial_selftest("nmea-1", serial_device(c));
    CHECK_FALSE(check["passed"].get<bool>());
    STRCMP_EQUAL("open, but nothing received yet", check["detail"].get<std::string>().c_str());

    c.framer.bytes = 90;
    c.framer.garbage = 5;
    c.framer.bad_checksum = 5;
    check = gw::serial_selftest("nmea-1", serial_device(c));
    CHECK_FALSE(check["passed"].get<bool>());
    const auto why = check["detail"].get<std::string>();
    STRCMP_CONTAINS("90 bytes", why.c_str());
    STRCMP_CONTAINS("5 garbage", why.c_str());
    STRCMP_CONTAINS("5 bad checksum", why.c_str());

    c.framer.lines = 3;
    c.matched = 2;
    c.no_match = 1;
    c.samples = 2;
    check = gw::serial_selftest("nmea-1", serial_device(c));
    CHECK_TRUE(check["passed"].get<bool>());
    STRCMP_EQUAL("serial nmea-1", check["name"].get<std::string>().c_str());
    // What gave samples, and what did not beside it (it said "3 valid lines").
    STRCMP_EQUAL("2 lines matched, 1 not matching the pattern",
                 check["detail"].get<std::string>().c_str());
}
