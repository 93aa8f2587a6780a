#include "core/named_regex.hpp"
#include "serial/line_framer.hpp"
#include "serial/serial_port.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::serial;

namespace {

std::string nmea(const std::string& payload) {
    char hh[3];
    std::snprintf(hh, sizeof hh, "%02X", nmea_checksum(payload));
    return "$" + payload + "*" + hh;
}

}  // namespace

TEST_GROUP(LineFramer){};

TEST(LineFramer, SplitsOnAnyTerminatorAcrossChunks) {
    LineFramer f(Framing::line, 64);
    CHECK(f.feed("T=21").empty());
    auto lines = f.feed(".5\r\nT=22\rT=23\n\n");
    LONGS_EQUAL(3, lines.size());
    STRCMP_EQUAL("T=21.5", lines[0].c_str());
    STRCMP_EQUAL("T=23", lines[2].c_str());
    LONGS_EQUAL(3, f.counters().lines);
}

TEST(LineFramer, OverlongLinesAreDroppedWholeWithBoundedMemory) {
    LineFramer f(Framing::line, 16);
    auto lines = f.feed(std::string(100000, 'A') + "\nok\n");
    LONGS_EQUAL(1, lines.size());
    STRCMP_EQUAL("ok", lines[0].c_str());
    LONGS_EQUAL(1, f.counters().overlong);
}

TEST(LineFramer, GarbageBytesSpoilOnlyTheirLine) {
    LineFramer f(Framing::line, 64);
    auto lines = f.feed(std::string("\x01\xff\xfe noise\nT=1\n\x00\x00\n", 18));
    LONGS_EQUAL(1, lines.size());
    STRCMP_EQUAL("T=1", lines[0].c_str());
    LONGS_EQUAL(2, f.counters().garbage);
}

// A sensor that prints its unit in UTF-8 ("23.5 °C") is read; 8-bit bytes
// that are not UTF-8 (a wrong baud rate, Latin-1's lone 0xB0, a sequence
// cut short, an overlong form, a surrogate) stay garbage.
TEST(LineFramer, UTF8TextIsALineOtherEightBitBytesAreNot) {
    LineFramer f(Framing::line, 64);
    auto lines = f.feed(
        "T=23.5 \xc2\xb0"
        "C\nT=23.5 \xb0"
        "C\nT=\xe2\x82\nT=\xc0\xaf\n"
        "T=\xed\xa0\x80\nH=\xf0\x9f\x8c\xa7\n");
    LONGS_EQUAL(2, lines.size());
    STRCMP_EQUAL(
        "T=23.5 \xc2\xb0"
        "C",
        lines[0].c_str());
    STRCMP_EQUAL("H=\xf0\x9f\x8c\xa7", lines[1].c_str());
    LONGS_EQUAL(4, f.counters().garbage);
}

TEST(LineFramer, PartialLineAtResetIsCounted) {
    LineFramer f(Framing::line, 64);
    CHECK(f.feed("T=2").empty());
    f.reset();
    auto lines = f.feed("1\n");
    LONGS_EQUAL(1, lines.size());
    STRCMP_EQUAL("1", lines[0].c_str());  // the old half-line is gone
    LONGS_EQUAL(1, f.counters().partial);
}

// The port opened while the sensor was sending "1.25\r\n": the bytes
// before the open were flushed, and the rest read "25", taken as a good
// reading. Up to the first line end after an open it is a partial line.
TEST(LineFramer, TheTailOfALineAfterAnOpenIsPartialNotAReading) {
    LineFramer f(Framing::line, 64);
    f.resync();
    CHECK_FALSE(f.in_sync());
    auto lines = f.feed("25\r\n1.30\r\n");
    LONGS_EQUAL(1, lines.size());
    STRCMP_EQUAL("1.30", lines[0].c_str());
    LONGS_EQUAL(1, f.counters().partial);
    CHECK(f.in_sync());
}

// The line was quiet since the open: the first line is whole, and a sensor
// that reports only on change keeps it. Quiet in the middle of a line
// proves nothing.
TEST(LineFramer, AfterAQuietLineTheFirstLineIsKept) {
    LineFramer f(Framing::line, 64);
    f.resync();
    f.idle();
    CHECK(f.in_sync());
    auto lines = f.feed("1.25\n");
    LONGS_EQUAL(1, lines.size());
    STRCMP_EQUAL("1.25", lines[0].c_str());
    f.resync();
    CHECK(f.feed("5\r").empty());
    f.resync();
    CHECK(f.feed("2").empty());
    f.idle();
    CHECK_FALSE(f.in_sync());
    lines = f.feed(".5\n7\n");
    LONGS_EQUAL(1, lines.size());
    STRCMP_EQUAL("7", lines[0].c_str());
    LONGS_EQUAL(2, f.counters().partial);
}

TEST(LineFramer, NmeaChecksumsAreVerified) {
    LineFramer f(Framing::nmea, 80);
    const std::string good = nmea("SMK,12,3");
    std::string bad = good;
    bad[2] = 'X';  // payload changed, checksum not
    auto lines = f.feed(good + "\r\n" + bad + "\r\n$SMK,1,2\r\n$SMK*G1\r\nno dollar*00\r\n");
    LONGS_EQUAL(1, lines.size());
    STRCMP_EQUAL("SMK,12,3", lines[0].c_str());
    LONGS_EQUAL(3, f.counters().bad_checksum);
    LONGS_EQUAL(1, f.counters().garbage);
}

TEST_GROUP(NamedRegex){};

TEST(NamedRegex, NamedGroupsMapToPositions) {
    auto re = NamedRegex::compile(
        R"(^(?:ID=\w+ )?T=(?<temp>-?[0-9.]+)(\s+)CO=(?<co>[0-9]+)(?:[(]x[)])?$)");
    CHECK_TRUE(re.ok());
    auto m = re->match("ID=a T=-3.5  CO=12");
    CHECK_TRUE(m.has_value());
    STRCMP_EQUAL("-3.5", (*m)["temp"].c_str());
    STRCMP_EQUAL("12", (*m)["co"].c_str());
    CHECK_FALSE(re->match("T=1 CO=x").has_value());
    LONGS_EQUAL(2, re->names().size());
}

TEST(NamedRegex, EscapesAndClassesDoNotCountAsGroups) {
    auto re = NamedRegex::compile(R"(\((?<a>[0-9]+)\)[(](?<b>[a-z]+))");
    CHECK_TRUE(re.ok());
    auto m = re->match("(42)(abc");
    CHECK_TRUE(m.has_value());
    STRCMP_EQUAL("42", (*m)["a"].c_str());
    STRCMP_EQUAL("abc", (*m)["b"].c_str());
}

TEST(NamedRegex, BadPatternsAreErrors) {
    CHECK_FALSE(NamedRegex::compile("(?<a>x)(?<a>y)").ok());
    CHECK_FALSE(NamedRegex::compile("(?<1a>x)").ok());
    CHECK_FALSE(NamedRegex::compile("(?<=x)(?<a>y)").ok());
    CHECK_FALSE(NamedRegex::compile("([0-9]+)").ok());
    CHECK_FALSE(NamedRegex::compile("(?<a>[0-9+)").ok());
    auto r = NamedRegex::compile("(?<a>(x)");
    CHECK_FALSE(r.ok());
    CHECK(r.error().find("invalid regular expression") != std::string::npos);
}

TEST(NamedRegex, NestedRepeatsMatchWithoutBacktracking) {
    // Found by fuzz/serial_fuzz.cpp: with std::regex's backtracking executor
    // this match never returned (2^40 ways to split the digits), holding the
    // port's thread for good.
    auto re = NamedRegex::compile("L=(?<level>[0-9]+)+x");
    CHECK_TRUE(re.ok());
    CHECK_FALSE(re->match("L=" + std::string(40, '7')).has_value());
    CHECK_TRUE(re->match("L=" + std::string(40, '7') + "x").has_value());
}

TEST(NamedRegex, LongestLinesMatchWithoutDeepRecursion) {
    // max_line allows 4096 bytes; the backtracking executor recursed per byte.
    auto re = NamedRegex::compile("(?<raw>(a|b)*)");
    CHECK_TRUE(re.ok());
    const std::string line(4096, 'a');
    auto m = re->match(line);
    CHECK_TRUE(m.has_value());
    LONGS_EQUAL(4096, (*m)["raw"].size());
}

TEST(NamedRegex, BackReferencesAreRefusedClearly) {
    auto r = NamedRegex::compile(R"((?<a>[0-9])\1)");
    CHECK_FALSE(r.ok());
    STRCMP_CONTAINS("back-references", r.error().c_str());
}

// std::regex compiles recursively: 50,000 nested groups crashed
// gatewayd --check-config once the loader compiled patterns.
TEST(NamedRegex, DeepOrLongPatternsAreRefusedBeforeStdRegexRecursesThroughThem) {
    const auto nested = [](size_t n) {
        return std::string(n, '(') + "(?<a>x)" + std::string(n, ')');
    };
    CHECK_TRUE(NamedRegex::compile(nested(500)).ok());
    auto deep = NamedRegex::compile(nested(50000));
    CHECK_FALSE(deep.ok());
    STRCMP_CONTAINS("longer than 1024 characters", deep.error().c_str());
    CHECK_FALSE(NamedRegex::compile("(?<a>x)" + std::string(2000, 'y')).ok());
}

TEST(NamedRegex, LongNumbersAreRefusedBeforeStdRegexOverflows) {
    // Found by fuzz/serial_fuzz.cpp: std::regex read these digits into a
    // long and overflowed (undefined behaviour, UBSan stops the test).
    auto backref = NamedRegex::compile(R"((?<a>x)\99999999999999999999)");
    CHECK_FALSE(backref.ok());
    STRCMP_CONTAINS("back-references", backref.error().c_str());
    auto count = NamedRegex::compile("(?<a>x{99999999999999999999})");
    CHECK_FALSE(count.ok());
    STRCMP_CONTAINS("repeat count", count.error().c_str());
    CHECK_TRUE(NamedRegex::compile("(?<a>x{2,4})[{]y{1000}").ok());
}

TEST_GROUP(LineDecoder){};

TEST(LineDecoder, FieldsBecomeScaledSamplesAndBadNumbersAreCounted) {
    PointConfig co;
    co.id = "co";
    co.device = "s1";
    co.field = "co";
    co.max = 1000;
    PointConfig t;
    t.id = "temp";
    t.device = "s1";
    t.field = "temp";
    t.scale = 10;
    PointConfig other;
    other.id = "x";
    other.device = "s2";
    other.field = "co";
    LineDecoder d(NamedRegex::compile("T=(?<temp>\\S+) CO=(?<co>\\S+)").value(), "s1",
                  {co, t, other});
    SerialCounters c;
    auto s = d.decode("T=2.5 CO=4000", 7, c);
    LONGS_EQUAL(2, s.size());
    STRCMP_EQUAL("co", s[0].point.c_str());
    CHECK(s[0].quality == Quality::out_of_range);
    DOUBLES_EQUAL(25.0, s[1].value, 1e-9);
    LONGS_EQUAL(7, s[1].t_ms);
    auto bad = d.decode("T=abc CO=1e999", 8, c);
    LONGS_EQUAL(0, bad.size());
    LONGS_EQUAL(2, c.parse_errors);
    CHECK(d.decode("hello", 9, c).empty());
    LONGS_EQUAL(1, c.no_match);
    LONGS_EQUAL(2, c.matched);
}
