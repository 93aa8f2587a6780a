// `gatewayctl replay` as a technician runs it: the real binary, a real config
// through the one loader, traces written to a temp dir.
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

const char* kConfig = R"(
[gateway]
district = "d"
site = "s"
id = "g"
[uplink]
brokers = ["tcp://127.0.0.1:1"]
[control]
socket = "/tmp/none.sock"
[[devices]]
id = "dev"
host = "127.0.0.1"
[[points]]
id = "lvl"
device = "dev"
address = 0
[[points]]
id = "rain"
device = "dev"
address = 1
[[detectors]]
id = "flood-1"
kind = "flood"
inputs = { depth = "lvl", rain_counter = "rain" }
[detectors.params]
raise_hold_s = 5
)";

std::string flood_trace() {
    std::string csv = "t_ms,point,value\n";
    for (int i = 0; i <= 120; ++i) {
        double depth = i < 30 ? 5 : (i < 90 ? 33 : 2);
        csv += std::to_string(i * 5000) + ",lvl," + std::to_string(depth) + "\n";
        csv += std::to_string(i * 5000) + ",rain,0\n";
    }
    return csv;
}

std::vector<nlohmann::json> lines(const std::string& out) {
    std::vector<nlohmann::json> v;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) v.push_back(nlohmann::json::parse(line));
    return v;
}

}  // namespace

TEST_GROUP(ReplayCli) {
    gw::test::TempDir dir;
    std::string cfg = dir.write("site.toml", kConfig);
};

TEST(ReplayCli, PrintsOneJsonObjectPerEventWithTheLifecycle) {
    auto trace = dir.write("t.csv", flood_trace());
    auto r = gw::test::run({GW_GATEWAYCTL, "replay", "--config", cfg, "--trace", trace, "--json"});
    LONGS_EQUAL_TEXT(0, r.code, r.err.c_str());
    auto events = lines(r.out);
    CHECK_TEXT(events.size() >= 2, r.out.c_str());
    const auto& raise = events.front();
    STRCMP_EQUAL("flood-1", raise.at("detector").get<std::string>().c_str());
    STRCMP_EQUAL("water_depth", raise.at("type").get<std::string>().c_str());
    STRCMP_EQUAL("raise", raise.at("state").get<std::string>().c_str());
    STRCMP_EQUAL("alarm", raise.at("severity").get<std::string>().c_str());
    LONGS_EQUAL(150'000 + 5'000, raise.at("t_ms").get<long>());  // the 5 s raise hold
    DOUBLES_EQUAL(33, raise.at("value").get<double>(), 1e-9);
    STRCMP_EQUAL("cm", raise.at("unit").get<std::string>().c_str());
    CHECK(raise.contains("details"));
    const auto& clear = events.back();
    STRCMP_EQUAL("clear", clear.at("state").get<std::string>().c_str());
    STRCMP_EQUAL(raise.at("incident").get<std::string>().c_str(),
                 clear.at("incident").get<std::string>().c_str());
}

TEST(ReplayCli, HumanFormatWithoutJson) {
    auto trace = dir.write("t.csv", flood_trace());
    auto r = gw::test::run({GW_GATEWAYCTL, "replay", "--config", cfg, "--trace", trace});
    LONGS_EQUAL(0, r.code);
    STRCMP_CONTAINS("flood-1  water_depth  raise  alarm  33.00 cm", r.out.c_str());
}

TEST(ReplayCli, AMalformedLineIsAnErrorWithItsLineNumber) {
    auto trace = dir.write("bad.csv", "t_ms,point,value\n0,lvl,3\n1000,lvl,three\n");
    auto r = gw::test::run({GW_GATEWAYCTL, "replay", "--config", cfg, "--trace", trace});
    LONGS_EQUAL(2, r.code);
    STRCMP_CONTAINS("bad.csv:3: value \"three\" is not a finite number", r.err.c_str());
}

TEST(ReplayCli, AWrongHeaderAndTimeGoingBackAreErrors) {
    auto t1 = dir.write("h.csv", "time,point,value\n0,lvl,3\n");
    auto r1 = gw::test::run({GW_GATEWAYCTL, "replay", "--config", cfg, "--trace", t1});
    LONGS_EQUAL(2, r1.code);
    STRCMP_CONTAINS("h.csv:1: header must be t_ms,point,value", r1.err.c_str());
    auto t2 = dir.write("b.csv", "t_ms,point,value\n5000,lvl,3\n4000,lvl,3\n");
    auto r2 = gw::test::run({GW_GATEWAYCTL, "replay", "--config", cfg, "--trace", t2});
    LONGS_EQUAL(2, r2.code);
    STRCMP_CONTAINS("b.csv:3: t_ms 4000 goes back in time", r2.err.c_str());
}

// A binary file given as a trace: its bytes (terminal escapes) are not
// echoed, and a line of it is cut short. A negative time is refused.
TEST(ReplayCli, ABinaryFileIsQuotedSafelyAndANegativeTimeRefused) {
    auto bin = dir.write("bin.csv", std::string("\x1b[31mred\x01") + std::string(200, 'x') + "\n");
    auto r1 = gw::test::run({GW_GATEWAYCTL, "replay", "--config", cfg, "--trace", bin});
    LONGS_EQUAL(2, r1.code);
    STRCMP_CONTAINS("got \"?[31mred?xxx", r1.err.c_str());
    CHECK(r1.err.find('\x1b') == std::string::npos);
    STRCMP_CONTAINS("xxx...\"", r1.err.c_str());
    auto neg = dir.write("neg.csv", "t_ms,point,value\n-5,lvl,3\n");
    auto r2 = gw::test::run({GW_GATEWAYCTL, "replay", "--config", cfg, "--trace", neg});
    LONGS_EQUAL(2, r2.code);
    STRCMP_CONTAINS("neg.csv:2: t_ms -5 is negative", r2.err.c_str());
}

TEST(ReplayCli, UnknownPointsAreSkippedAndCounted) {
    auto trace = dir.write("u.csv",
                           "t_ms,point,value,quality\n0,lvl,3,good\n0,x,1,good\n"
                           "1000,y,2,good\n2000,lvl,3,comm_fail\n");
    auto r = gw::test::run({GW_GATEWAYCTL, "replay", "--config", cfg, "--trace", trace});
    LONGS_EQUAL_TEXT(0, r.code, r.err.c_str());
    STRCMP_CONTAINS("skipped 2 samples of points no detector uses: x y", r.err.c_str());
}

TEST(ReplayCli, AnInvalidConfigIsReportedByTheLoader) {
    auto bad = dir.write("bad.toml", std::string(kConfig) + "rain_window_min = 0\n");
    auto trace = dir.write("t.csv", flood_trace());
    auto r = gw::test::run({GW_GATEWAYCTL, "replay", "--config", bad, "--trace", trace});
    LONGS_EQUAL(2, r.code);
    STRCMP_CONTAINS("bad.toml:", r.err.c_str());
    STRCMP_CONTAINS("rain_window_min", r.err.c_str());
}

TEST_GROUP(Eval){};

// The committed scenarios: every expected event detected within its limit,
// no false alarm (gw-eval exits 0 only then), and the table lists them all.
TEST(Eval, CommittedScenariosAreAllDetectedWithoutFalseAlarms) {
    const std::string root = std::string(GW_SOURCE_DIR) + "/tests/detectors/scenarios/";
    auto r = gw::test::run({GW_EVAL, "-v", root + "flood", root + "fire", root + "lift"}, 120'000);
    LONGS_EQUAL_TEXT(0, r.code, (r.out + r.err).c_str());
    STRCMP_CONTAINS("| lift_entrapment_between_floors | 2 | 2 | 0 | 0 | 2 |", r.out.c_str());
    STRCMP_CONTAINS("| fire_co_30ppm_cooking | 0 | 0 | 0 | 0 | 0 |", r.out.c_str());
}

TEST(Eval, AMissedEventFailsTheRun) {
    gw::test::TempDir dir;
    const std::string root = std::string(GW_SOURCE_DIR) + "/tests/detectors/scenarios/flood/";
    dir.write("config.toml", gw::test::read_file(root + "config.toml"));
    dir.write("calm.csv",
              "t_ms,point,value\n0,water_depth,3\n0,rain_count,0\n"
              "60000,water_depth,3\n60000,rain_count,0\n");
    dir.write("calm.expected.csv", "t_ms,detector,type,severity\n0,flood-1,water_depth,warning\n");
    auto r = gw::test::run({GW_EVAL, "-v", dir.path()});
    LONGS_EQUAL(1, r.code);
    STRCMP_CONTAINS("| calm | 1 | 0 | 1 | 0 | 0 | - | - |", r.out.c_str());
    STRCMP_CONTAINS("missed: flood-1 water_depth at 0", r.err.c_str());
}
