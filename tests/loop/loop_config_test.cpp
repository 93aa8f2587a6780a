// The closed loop's config keys through the one loader: emergency defaults
// derived from the normal ones, [incidents], [[emergency.auto]] checked
// against the detectors.
#include <string>

#include "config/loader.hpp"
#include "detectors/kinds.hpp"

#include <CppUTest/TestHarness.h>

namespace {

const char* kBase = R"(
[gateway]
district = "d"
site = "s"
id = "g"
[uplink]
brokers = ["tcp://127.0.0.1:1883"]
[[devices]]
id = "gauge"
host = "127.0.0.1"
poll_ms = 1000
[[points]]
id = "water_depth"
device = "gauge"
poll_ms = 2000
report_ms = 60000
deadband = 1.0
[[points]]
id = "rain_count"
device = "gauge"
address = 1
report_ms = 200
[[cameras]]
id = "cam"
url = "/dev/video0"
fps = 20
[[detectors]]
id = "flood-1"
kind = "flood"
inputs = { depth = "water_depth", rain_counter = "rain_count" }
)";

gw::LoadResult load(const std::string& extra) {
    return gw::load_config_text(std::string(kBase) + extra, "cfg.toml", gw::detectors::kinds());
}

std::string errors(const gw::LoadResult& r) {
    std::string out;
    for (const auto& l : r.errors.lines) out += l + "\n";
    return out;
}

}  // namespace

TEST_GROUP(LoopConfig){};

TEST(LoopConfig, EmergencyDefaultsFollowTheNormalValues) {
    auto r = load("");
    CHECK_TEXT(r.ok(), errors(r).c_str());
    const auto& c = *r.config;
    LONGS_EQUAL(250, c.devices[0].poll_ms_emergency);
    LONGS_EQUAL(500, c.points[0].poll_ms_emergency);
    LONGS_EQUAL(0, c.points[1].poll_ms_emergency);  // the device's
    LONGS_EQUAL(15000, c.points[0].report_ms_emergency);
    LONGS_EQUAL(100, c.points[1].report_ms_emergency);  // at least 100
    DOUBLES_EQUAL(0.5, c.points[0].deadband_emergency, 1e-9);
    DOUBLES_EQUAL(25.0, c.cameras[0].fps_emergency, 1e-9);  // min(2 * 20, 25)
    LONGS_EQUAL(30, c.cameras[0].evidence_interval_s_emergency);
    CHECK(gw::Severity::alarm == c.incidents.renotify_min_severity);
    LONGS_EQUAL(300, c.incidents.renotify_s);
    LONGS_EQUAL(600, c.incidents.escalate_after_s);
    LONGS_EQUAL(300, c.incidents.restart_grace_s);
    LONGS_EQUAL(0, c.emergency_auto.size());
}

TEST(LoopConfig, IncidentsAndAutoRulesAreRead) {
    auto r = load(
        "[incidents]\nrenotify_s = 0\nescalate_after_s = 30\n"
        "renotify_min_severity = \"warning\"\n"
        "[[emergency.auto]]\ndetector = \"flood-1\"\ntype = \"water_depth\"\n");
    CHECK_TEXT(r.ok(), errors(r).c_str());
    LONGS_EQUAL(0, r.config->incidents.renotify_s);
    LONGS_EQUAL(30, r.config->incidents.escalate_after_s);
    CHECK(gw::Severity::warning == r.config->incidents.renotify_min_severity);
    LONGS_EQUAL(1, r.config->emergency_auto.size());
    LONGS_EQUAL(7200, r.config->emergency_auto[0].duration_s);
    CHECK(gw::Severity::alarm == r.config->emergency_auto[0].min_severity);
}

TEST(LoopConfig, MistakesAreReportedWithTheirLine) {
    auto r = load(
        "[incidents]\nrenotify_s = -1\nrenotfy_s = 3\n"
        "[[emergency.auto]]\ndetector = \"flood-9\"\nmin_severity = \"loud\"\n");
    CHECK_FALSE(r.ok());
    const std::string e = errors(r);
    STRCMP_CONTAINS("incidents.renotify_s", e.c_str());
    STRCMP_CONTAINS("renotfy_s", e.c_str());
    STRCMP_CONTAINS("flood-9", e.c_str());
    STRCMP_CONTAINS("min_severity", e.c_str());
}

// A rule whose type its detector never raises could never switch the mode:
// refused, with the types it does raise.
TEST(LoopConfig, AnAutoRuleForATypeItsDetectorNeverRaisesIsRefused) {
    auto r = load("[[emergency.auto]]\ndetector = \"flood-1\"\ntype = \"earthquake\"\n");
    CHECK_FALSE(r.ok());
    STRCMP_CONTAINS(
        "emergency.auto.type: a flood detector (\"flood-1\") raises no \"earthquake\"; its types: "
        "water_depth, water_rising, rain_intensity, sensor_silent",
        errors(r).c_str());
    CHECK(load("[[emergency.auto]]\ndetector = \"flood-1\"\ntype = \"rain_intensity\"\n").ok());
    CHECK(load("[[emergency.auto]]\ndetector = \"flood-1\"\n").ok());  // any type
}
