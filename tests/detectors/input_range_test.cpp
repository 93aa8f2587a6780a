// Valid input ranges, for every role of every sensor kind: a physically
// impossible reading (1e308, -1e308, NaN, +-inf) is a sensor_out_of_range
// fault of that input and never an alarm; a point's min/max overrides the
// role's default range.
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "detectors/fire/fire_settings.hpp"
#include "detectors/flood/flood_settings.hpp"
#include "detectors/kinds.hpp"
#include "rig.hpp"

#include <CppUTest/TestHarness.h>

using gw::EventState;
using gw::InputRange;
using gw::Quality;
using gw::Severity;
using gw::test::Rig;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A reading of each role at a quiet site: nothing to report.
double quiet(const std::string& role) {
    static const std::map<std::string, double> values{
        {"depth", 2},  {"rain_counter", 100}, {"temperature", 23},  {"cable_temp", 30},
        {"smoke", 0},  {"co_ppm", 2},         {"residual_ma", 120}, {"door_open", 0},
        {"moving", 0}, {"direction", 0},      {"floor", 3},         {"in_zone", 1},
        {"person", 0}, {"speed", 0},          {"maintenance", 0},   {"door_cmd_close", 0},
    };
    auto it = values.find(role);
    if (it == values.end()) FAIL(("test has no quiet reading for role " + role).c_str());
    return it->second;
}

std::vector<std::string> roles_of(const gw::DetectorKind& k) {
    std::vector<std::string> roles = k.required_roles;
    roles.insert(roles.end(), k.optional_roles.begin(), k.optional_roles.end());
    return roles;
}

std::shared_ptr<const gw::DetectorSettings> defaults(const gw::DetectorKind& k) {
    auto p = gw::read_detector_params(k, "");
    CHECK_TEXT(p.ok(), p.error().c_str());
    return p.settings;
}

// Every role of `kind` mapped to a point named after it.
Rig all_inputs(const gw::DetectorKind& k, std::map<std::string, InputRange> ranges = {}) {
    std::map<std::string, std::string> inputs;
    for (const auto& role : roles_of(k)) inputs[role] = role;
    return Rig(k.name, inputs, defaults(k), std::move(ranges));
}

// Feeds quiet readings to every input, except `bad` on `role`, once a second.
void feed_all(Rig& rig, const gw::DetectorKind& k, int64_t until, const std::string& role = "",
              double bad = 0) {
    rig.run(until, 1'000, [&](int64_t) {
        for (const auto& r : roles_of(k)) rig.feed(r, r == role ? bad : quiet(r));
    });
}

std::string describe(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

TEST_GROUP(InputRanges){};

TEST(InputRanges, EveryRoleOfEverySensorKindHasAFiniteDefaultRange) {
    for (const auto& k : gw::detectors::kinds()) {
        if (!k.make_sensor) continue;
        auto settings = defaults(k);
        for (const auto& role : roles_of(k)) {
            InputRange r = settings->input_range(role);
            std::string what = k.name + "." + role;
            CHECK_TEXT(r.min && r.max, what.c_str());
            CHECK_TEXT(std::isfinite(*r.min) && std::isfinite(*r.max) && *r.min < *r.max,
                       what.c_str());
            CHECK_TEXT(r.contains(quiet(role)), what.c_str());
        }
    }
}

TEST(InputRanges, AnImpossibleReadingOfAnyRoleIsAFaultOfThatInputNeverAnAlarm) {
    const double absurd[] = {1e308, -1e308, std::nan(""), kInf, -kInf};
    int checked = 0;
    for (const auto& k : gw::detectors::kinds()) {
        if (!k.make_sensor) continue;
        for (const auto& role : roles_of(k)) {
            for (double bad : absurd) {
                std::string what = k.name + "." + role + " = " + describe(bad);
                Rig rig = all_inputs(k);
                feed_all(rig, k, 30'000);
                CHECK_TEXT(rig.events().empty(), (what + ": a quiet site\n" + rig.dump()).c_str());
                feed_all(rig, k, 150'000, role, bad);
                auto e = rig.find("sensor_out_of_range", EventState::raise);
                CHECK_TEXT(e.has_value(), (what + "\n" + rig.dump()).c_str());
                STRCMP_EQUAL_TEXT(role.c_str(), e->details.at("role").get<std::string>().c_str(),
                                  what.c_str());
                CHECK_TEXT(std::isfinite(e->value), what.c_str());  // JSON has no NaN
                LONGS_EQUAL_TEXT(0, rig.count_not_faults(), (what + "\n" + rig.dump()).c_str());
                LONGS_EQUAL_TEXT(0, rig.count("sensor_silent"), (what + "\n" + rig.dump()).c_str());
                // Back in range: the fault clears, still nothing else.
                feed_all(rig, k, 300'000);
                CHECK_TEXT(rig.find("sensor_out_of_range", EventState::clear).has_value(),
                           (what + "\n" + rig.dump()).c_str());
                LONGS_EQUAL_TEXT(0, rig.count_not_faults(), (what + "\n" + rig.dump()).c_str());
                ++checked;
            }
        }
    }
    LONGS_EQUAL(5 * (2 + 5 + 9), checked);  // flood, fire and elevator roles
}

TEST(InputRanges, TheFaultNamesTheReadingAndTheValidRange) {
    const auto& k = *gw::detectors::find_kind("fire");
    Rig rig = all_inputs(k);
    feed_all(rig, k, 60'000, "co_ppm", std::nan(""));
    auto e = rig.find("sensor_out_of_range", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    STRCMP_CONTAINS("co_ppm sensor (co_ppm) reads NaN, outside its valid range -20..10000",
                    e->message.c_str());
    STRCMP_EQUAL("NaN", e->details.at("reading").get<std::string>().c_str());
    DOUBLES_EQUAL(10000, e->details.at("valid_max").get<double>(), 0);
    CHECK(e->severity == Severity::warning);
}

TEST(InputRanges, ADriverMarkedOutOfRangeSampleIsAFaultAndEndsSilence) {
    const auto& k = *gw::detectors::find_kind("flood");
    Rig rig("flood", {{"depth", "lvl"}}, defaults(k));
    // A driver marks a reading outside its point's min/max and keeps the value.
    rig.run(900'000, 1'000, [&](int64_t) { rig.feed("lvl", 40, Quality::out_of_range); });
    CHECK_TEXT(rig.find("sensor_out_of_range", EventState::raise).has_value(), rig.dump().c_str());
    LONGS_EQUAL_TEXT(0, rig.count("sensor_silent"), rig.dump().c_str());
    LONGS_EQUAL_TEXT(0, rig.count_not_faults(), rig.dump().c_str());
}

// A Modbus float that is NaN comes as 0 marked out of range: "reads 0,
// outside its valid range -5..500" said the opposite of itself.
TEST(InputRanges, ADriverMarkedZeroIsNotCalledAReadingOutsideTheRange) {
    const auto& k = *gw::detectors::find_kind("flood");
    Rig rig("flood", {{"depth", "lvl"}}, defaults(k));
    rig.run(60'000, 1'000, [&](int64_t) { rig.feed("lvl", 0, Quality::out_of_range); });
    auto e = rig.find("sensor_out_of_range", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    STRCMP_CONTAINS("reads no number it can use (marked by its driver", e->message.c_str());
    CHECK(e->message.find("reads 0") == std::string::npos);
    STRCMP_EQUAL("not a number", e->details.at("reading").get<std::string>().c_str());
}

TEST(InputRanges, StaleAndCommFailSamplesStillCarryNoInformation) {
    const auto& k = *gw::detectors::find_kind("flood");
    Rig rig("flood", {{"depth", "lvl"}}, defaults(k));
    rig.run(400'000, 1'000,
            [&](int64_t t) { rig.feed("lvl", 40, t % 2 ? Quality::stale : Quality::comm_fail); });
    CHECK_TEXT(rig.find("sensor_silent", EventState::raise).has_value(), rig.dump().c_str());
    LONGS_EQUAL_TEXT(0, rig.count("sensor_out_of_range"), rig.dump().c_str());
    LONGS_EQUAL_TEXT(0, rig.count_not_faults(), rig.dump().c_str());
}

TEST_GROUP(PointRanges){};

TEST(PointRanges, APointsMaxWidensTheDefault) {
    auto settings = gw::test::settings<gw::detectors::FireSettings>({});
    // 15000 ppm is outside the default CO range ...
    Rig plain("fire", {{"co_ppm", "co"}}, settings);
    plain.run(120'000, 1'000, [&](int64_t) { plain.feed("co", 15'000); });
    CHECK_TEXT(plain.find("sensor_out_of_range", EventState::raise).has_value(),
               plain.dump().c_str());
    LONGS_EQUAL(0, plain.count("co"));
    // ... and a reading of a sensor whose point says it reads up to 20000.
    Rig wide("fire", {{"co_ppm", "co"}}, settings, {{"co_ppm", {std::nullopt, 20'000.0}}});
    wide.run(120'000, 1'000, [&](int64_t) { wide.feed("co", 15'000); });
    CHECK_TEXT(wide.find("co", EventState::raise).has_value(), wide.dump().c_str());
    LONGS_EQUAL(0, wide.count("sensor_out_of_range"));
}

TEST(PointRanges, ABoundThePointLeavesUnsetKeepsTheDefault) {
    auto settings = gw::test::settings<gw::detectors::FireSettings>({});
    Rig rig("fire", {{"co_ppm", "co"}}, settings, {{"co_ppm", {std::nullopt, 20'000.0}}});
    rig.run(60'000, 1'000, [&](int64_t) { rig.feed("co", -500); });  // default min: -20
    CHECK_TEXT(rig.find("sensor_out_of_range", EventState::raise).has_value(), rig.dump().c_str());
}

TEST(PointRanges, APointsRangeNarrowsTheDefault) {
    auto settings = gw::test::settings<gw::detectors::FloodSettings>({});
    // A gauge that reads 0..300 cm: 400 is a fault, not critical water.
    Rig rig("flood", {{"depth", "lvl"}}, settings, {{"depth", {0.0, 300.0}}});
    rig.run(60'000, 1'000, [&](int64_t) { rig.feed("lvl", 2); });
    rig.run(180'000, 1'000, [&](int64_t) { rig.feed("lvl", 400); });
    CHECK_TEXT(rig.find("sensor_out_of_range", EventState::raise).has_value(), rig.dump().c_str());
    LONGS_EQUAL_TEXT(0, rig.count_not_faults(), rig.dump().c_str());
    // NaN stays out of range whatever the point says.
    Rig open("flood", {{"depth", "lvl"}}, settings, {{"depth", {-kInf, kInf}}});
    open.run(60'000, 1'000, [&](int64_t) { open.feed("lvl", std::nan("")); });
    CHECK_TEXT(open.find("sensor_out_of_range", EventState::raise).has_value(),
               open.dump().c_str());
}

TEST(PointRanges, ABitReadFromARegisterNeedsItsPointsMax) {
    const auto& k = *gw::detectors::find_kind("elevator");
    // Some controllers report "on" as 0xFF00 in a holding register.
    Rig rig("elevator", {{"door_open", "door"}, {"moving", "mv"}}, defaults(k),
            {{"door_open", {0.0, 65535.0}}});
    rig.run(400'000, 1'000, [&](int64_t) {
        rig.feed("door", 0xFF00);
        rig.feed("mv", 0);
    });
    // Read as open: the doors stood open too long, no range fault.
    CHECK_TEXT(rig.find("door_fail_to_close", EventState::raise).has_value(), rig.dump().c_str());
    LONGS_EQUAL(0, rig.count("sensor_out_of_range"));
}
