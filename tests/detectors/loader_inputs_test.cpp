// What the config loader makes of a detector's inputs: which roles a flood
// detector needs, and how a point's min/max reaches the detector input it
// feeds (each bound it sets replaces the role's default range).
#include <string>

#include "config/loader.hpp"
#include "detectors/kinds.hpp"

#include <CppUTest/TestHarness.h>

namespace {

// Line numbers in the tests refer to this text: keep its layout.
const char* kSite = R"(# line 1
[gateway]
district = "d1"
site = "s1"
id = "gw1"
data_dir = "/tmp/gw"

[uplink]
brokers = ["tcp://127.0.0.1:1883"]

[[devices]]
id = "plc1"
host = "127.0.0.1"

[[points]]
id = "depth"
device = "plc1"
address = 0
DEPTH_RANGE

[[points]]
id = "rain"
device = "plc1"
address = 1

[[detectors]]
id = "flood1"
kind = "flood"
INPUTS
)";

std::string site(const std::string& inputs, const std::string& depth_range = "") {
    std::string text = kSite;
    text.replace(text.find("DEPTH_RANGE"), 11, depth_range);
    text.replace(text.find("INPUTS"), 6, inputs);
    return text;
}

gw::LoadResult load(const std::string& text) {
    return gw::load_config_text(text, "cfg.toml", gw::detectors::kinds());
}

std::string errors(const gw::LoadResult& r) {
    std::string all;
    for (const auto& l : r.errors.lines) all += l + "\n";
    return all;
}

}  // namespace

TEST_GROUP(LoaderInputs){};

TEST(LoaderInputs, AFloodDetectorTakesDepthRainOrBoth) {
    for (const char* inputs :
         {"inputs = { rain_counter = \"rain\" }", "inputs = { depth = \"depth\" }",
          "inputs = { depth = \"depth\", rain_counter = \"rain\" }"}) {
        auto r = load(site(inputs));
        CHECK_TEXT(r.ok(), (std::string(inputs) + "\n" + errors(r)).c_str());
    }
}

TEST(LoaderInputs, AFloodDetectorWithNeitherIsAnErrorWithItsLine) {
    auto r = load(site("inputs = {}"));
    CHECK_FALSE(r.ok());
    LONGS_EQUAL_TEXT(1, r.errors.lines.size(), errors(r).c_str());
    STRCMP_EQUAL(
        "cfg.toml:29: detectors[flood1].inputs: a flood detector needs depth, "
        "rain_counter or both",
        r.errors.lines[0].c_str());
    // A misspelt role is named, and the missing gauge still reported.
    r = load(site("inputs = { rain = \"rain\" }"));
    STRCMP_CONTAINS("detectors[flood1].inputs.rain: unknown input role", errors(r).c_str());
    STRCMP_CONTAINS("a flood detector needs depth, rain_counter or both", errors(r).c_str());
}

TEST(LoaderInputs, APointsMinAndMaxReachTheInputItFeeds) {
    auto r =
        load(site("inputs = { depth = \"depth\", rain_counter = \"rain\" }", "min = 0\nmax = 300"));
    CHECK_TEXT(r.ok(), errors(r).c_str());
    const auto& d = r.config->detectors.at(0);
    LONGS_EQUAL(1, d.input_ranges.size());  // the rain point sets no range
    const gw::InputRange& depth = d.input_ranges.at("depth");
    DOUBLES_EQUAL(0, *depth.min, 0);
    DOUBLES_EQUAL(300, *depth.max, 0);
    // Over the role's default (-5..500 cm): the point's bounds win.
    gw::InputRange used = d.settings->input_range("depth").overridden_by(depth);
    DOUBLES_EQUAL(0, *used.min, 0);
    DOUBLES_EQUAL(300, *used.max, 0);
}

TEST(LoaderInputs, APointBoundThatLeavesNoValidValueIsAnError) {
    auto r = load(site("inputs = { depth = \"depth\" }", "min = 600"));
    CHECK_FALSE(r.ok());
    LONGS_EQUAL_TEXT(1, r.errors.lines.size(), errors(r).c_str());
    STRCMP_EQUAL(
        "cfg.toml:17: points[depth].min: 600 is above the default maximum 500 of "
        "detectors[flood1].inputs.depth: set max as well",
        r.errors.lines[0].c_str());
    r = load(site("inputs = { depth = \"depth\"}\nparams = { depth_levels_cm = [650, 700, 800] }",
                  "min = 600\nmax = 900"));
    CHECK_TEXT(r.ok(), errors(r).c_str());
}

// A level the input's readings can never reach is refused, with the bound
// that hides it: a 40 cm gauge under the 50 cm critical level never said
// critical. Below the range it would be raised for ever.
TEST(LoaderInputs, ALevelOutsideTheInputsRangeIsAnError) {
    auto r = load(site("inputs = { depth = \"depth\" }", "min = 0\nmax = 40"));
    CHECK_FALSE(r.ok());
    LONGS_EQUAL_TEXT(1, r.errors.lines.size(), errors(r).c_str());
    STRCMP_EQUAL(
        "cfg.toml:17: points[depth].max: detectors[flood1].params.depth_levels_cm (50) is above "
        "the range of inputs.depth (point \"depth\", max 40): its readings would never reach "
        "it; set the sensor's real range, or change the level",
        r.errors.lines[0].c_str());
    r = load(site("inputs = { depth = \"depth\" }", "min = 15\nmax = 400"));
    STRCMP_CONTAINS(
        "points[depth].min: detectors[flood1].params.depth_levels_cm (15) is at or below the "
        "bottom of the range",
        errors(r).c_str());
    // Past the role's default range (-5..500 cm) with no bound on the point:
    // said at the detector, with the fix.
    r = load(site("inputs = { depth = \"depth\" }\nparams = { depth_levels_cm = [15, 30, 600] }"));
    CHECK_FALSE(r.ok());
    STRCMP_CONTAINS(
        "detectors[flood1].params.depth_levels_cm: detectors[flood1].params.depth_levels_cm (600) "
        "is above the range of inputs.depth (point \"depth\", max 500, the default): its "
        "readings would never reach it; set the point's max to the sensor's range",
        errors(r).c_str());
    r = load(site("inputs = { depth = \"depth\" }", "min = 0\nmax = 50"));
    CHECK_TEXT(r.ok(), errors(r).c_str());  // the level at the range's end is reached
}
