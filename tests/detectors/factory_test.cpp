// The factory and JsonParams: detectors are built from the loader's resolved
// params, and bad input is an error, never a crash.
#include <memory>
#include <string>

#include "detectors/detector.hpp"
#include "detectors/detector_set.hpp"
#include "detectors/flood/flood_settings.hpp"
#include "detectors/json_params.hpp"

#include <CppUTest/TestHarness.h>

using gw::DetectorConfig;
using gw::detectors::JsonParams;
using gw::detectors::make_sensor_detector;

namespace {
DetectorConfig config(const std::string& kind, std::map<std::string, std::string> inputs,
                      nlohmann::json params = nlohmann::json::object()) {
    DetectorConfig c;
    c.id = "d1";
    c.kind = kind;
    c.inputs = std::move(inputs);
    c.params = std::move(params);
    return c;
}
}  // namespace

TEST_GROUP(JsonParams){};

TEST(JsonParams, ReadsValuesAndFallsBackToDefaults) {
    nlohmann::json j = {{"depth_levels_cm", {10, 20, 40}}, {"mm_per_tip", 0.2}};
    JsonParams p(j);
    auto s = gw::detectors::FloodSettings::read(p);
    CHECK(p.problems().empty());
    DOUBLES_EQUAL(20, s.depth_levels_cm[1], 1e-9);
    DOUBLES_EQUAL(0.2, s.mm_per_tip, 1e-9);
    DOUBLES_EQUAL(60, s.rain_window_min, 1e-9);  // default
}

TEST(JsonParams, ReportsWrongTypesAndRanges) {
    nlohmann::json j = {
        {"mm_per_tip", "half"}, {"rain_window_min", 1}, {"depth_levels_cm", {1, 2}}};
    JsonParams p(j);
    gw::detectors::FloodSettings::read(p);
    LONGS_EQUAL(3, p.problems().size());
    STRCMP_CONTAINS("depth_levels_cm: must have 3 entries", p.problems()[0].c_str());
}

TEST_GROUP(Factory){};

TEST(Factory, BuildsEachSensorKindAndListsItsPoints) {
    gw::EventIdSource ids("g", 1);
    auto f = make_sensor_detector(config("flood", {{"depth", "lvl"}, {"rain_counter", "rc"}}), ids);
    CHECK_TEXT(f.ok(), f.ok() ? "" : f.error().c_str());
    LONGS_EQUAL(2, (*f)->points().size());
    STRCMP_EQUAL("d1", (*f)->id().c_str());
    CHECK(make_sensor_detector(config("fire", {{"smoke", "s"}}), ids).ok());
    CHECK(
        make_sensor_detector(config("elevator", {{"door_open", "d"}, {"moving", "m"}}), ids).ok());
}

TEST(Factory, RejectsVisionKindsMissingRolesAndBadParams) {
    gw::EventIdSource ids("g", 1);
    auto crowd = make_sensor_detector(config("crowd", {}), ids);
    CHECK_FALSE(crowd.ok());
    STRCMP_CONTAINS("not a sensor detector", crowd.error().c_str());
    auto lift = make_sensor_detector(config("elevator", {{"door_open", "d"}}), ids);
    CHECK_FALSE(lift.ok());
    STRCMP_CONTAINS("required input moving is missing", lift.error().c_str());
    auto fire = make_sensor_detector(config("fire", {}), ids);
    CHECK_FALSE(fire.ok());
    auto flood =
        make_sensor_detector(config("flood", {{"depth", "l"}}, {{"rain_window_min", 0}}), ids);
    CHECK_FALSE(flood.ok());
    STRCMP_CONTAINS("params.rain_window_min", flood.error().c_str());
}

TEST(Factory, DetectorSetRoutesByPointAndSkipsVision) {
    gw::EventIdSource ids("g", 1);
    std::vector<DetectorConfig> all{config("flood", {{"depth", "lvl"}}), config("crowd", {})};
    all[1].id = "cam";
    auto set = gw::detectors::DetectorSet::build(all, ids);
    CHECK(set.ok());
    LONGS_EQUAL(1, set->size());
    LONGS_EQUAL(1, set->skipped().size());
    std::vector<gw::Event> out;
    CHECK(set->on_sample({"lvl", 3, gw::Quality::good, 0}, out));
    CHECK_FALSE(set->on_sample({"other", 3, gw::Quality::good, 0}, out));
}
