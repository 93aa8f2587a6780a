// Detector params read through the kind's reader (as the loader reads them),
// and the factory: detectors are built from those settings, and bad input is
// an error, never a crash.
#include <memory>
#include <optional>
#include <string>

#include "config/loader.hpp"
#include "detectors/detector.hpp"
#include "detectors/detector_set.hpp"
#include "detectors/flood/flood_settings.hpp"
#include "detectors/kinds.hpp"
#include "detectors/sensor_detector.hpp"

#include <CppUTest/TestHarness.h>

using gw::DetectorConfig;
using gw::detectors::make_sensor_detector;

namespace {

gw::DetectorParams read(const std::string& kind, const std::string& params) {
    const gw::DetectorKind* k = gw::detectors::find_kind(kind);
    CHECK_TEXT(k != nullptr, kind.c_str());
    return gw::read_detector_params(*k, params);
}

// A [[detectors]] entry whose params (TOML lines) went through the kind's reader.
gw::Result<DetectorConfig> config(const std::string& kind,
                                  std::map<std::string, std::string> inputs,
                                  const std::string& params = "") {
    auto p = read(kind, params);
    if (!p.ok()) return gw::fail("detector d1: " + p.error());
    DetectorConfig c;
    c.id = "d1";
    c.kind = kind;
    c.inputs = std::move(inputs);
    c.settings = p.settings;
    return c;
}

gw::Result<std::unique_ptr<gw::detectors::Detector>> build(
    const std::string& kind, std::map<std::string, std::string> inputs, gw::EventIdSource& ids,
    const std::string& params = "") {
    auto c = config(kind, std::move(inputs), params);
    if (!c) return gw::fail(c.error());
    return make_sensor_detector(*c, ids);
}

}  // namespace

TEST_GROUP(DetectorParams){};

TEST(DetectorParams, ReadsValuesAndFallsBackToDefaults) {
    auto p = read("flood", "depth_levels_cm = [10, 20, 40]\nmm_per_tip = 0.2\n");
    CHECK_TEXT(p.ok(), p.error().c_str());
    const auto* s = dynamic_cast<const gw::detectors::FloodSettings*>(p.settings.get());
    CHECK(s != nullptr);
    DOUBLES_EQUAL(20, s->depth_levels_cm[1], 1e-9);
    DOUBLES_EQUAL(0.2, s->mm_per_tip, 1e-9);
    DOUBLES_EQUAL(60, s->rain_window_min, 1e-9);  // default
}

TEST(DetectorParams, ReportsWrongTypesAndRanges) {
    auto p =
        read("flood", "mm_per_tip = \"half\"\nrain_window_min = 1\ndepth_levels_cm = [1, 2]\n");
    CHECK_FALSE(p.ok());
    LONGS_EQUAL(3, p.problems.size());
    STRCMP_CONTAINS("depth_levels_cm: must have 3 entries", p.problems[0].c_str());
}

// A margin that leaves a level's clear point where normal conditions never
// are: the incident would never clear. Each margin was checked on its own.
TEST(DetectorParams, AClearMarginNormalConditionsNeverClearIsRefused) {
    auto depth = read("flood", "clear_margin_cm = 20\n");
    CHECK_FALSE(depth.ok());
    STRCMP_CONTAINS("clear_margin_cm: must be less than the lowest of depth_levels_cm (15)",
                    depth.error().c_str());
    auto rain = read("flood", "rain_clear_margin_mm_h = 40\n");
    CHECK_FALSE(rain.ok());
    STRCMP_CONTAINS("rain_clear_margin_mm_h: must be less than the lowest of rain_levels_mm_h",
                    rain.error().c_str());
    auto leak = read("fire", "residual_ma = 300\nresidual_clear_margin_ma = 200\n");
    CHECK_FALSE(leak.ok());
    STRCMP_CONTAINS(
        "residual_clear_margin_ma: leaves residual current alarm at 300 mA to clear "
        "only at 100 mA or below, which normal conditions (up to 200 mA)",
        leak.error().c_str());
    auto cable = read("fire", "cable_temp_c = 30\ntemp_clear_margin_c = 10\n");
    CHECK_FALSE(cable.ok());
    STRCMP_CONTAINS("temp_clear_margin_c: leaves cable temperature alarm at 30 C",
                    cable.error().c_str());
    CHECK(read("flood", "clear_margin_cm = 10\n").ok());
    CHECK(read("fire", "residual_ma = 300\nresidual_clear_margin_ma = 90\n").ok());
}

// A flame window a slow camera's frames never fill raised nothing, ever.
TEST(DetectorParams, AFlameWindowSlowFramesNeverFillIsRefused) {
    auto slow = read("video_fire", "min_fps = 1\npersist_s = 1.5\n");
    CHECK_FALSE(slow.ok());
    STRCMP_CONTAINS("persist_s: 1.5 s at min_fps 1: frames 1 s apart span 1 s of it",
                    slow.error().c_str());
    CHECK(read("video_fire", "min_fps = 1\npersist_s = 1.2\n").ok());
    CHECK(read("video_fire", "min_fps = 1\npersist_s = 0.5\n").ok() == false);
    CHECK(read("video_fire", "").ok());  // 1.2 s at 10 fps
}

// The rain window is counted in minute buckets: 7.5 read 7 minutes' tips as
// 7.5 minutes' rain.
TEST(DetectorParams, TheRainWindowIsWholeMinutes) {
    auto p = read("flood", "rain_window_min = 7.5\n");
    CHECK_FALSE(p.ok());
    STRCMP_CONTAINS("rain_window_min", p.problems.at(0).c_str());
    STRCMP_CONTAINS("integer", p.problems.at(0).c_str());
}

// The loader (and so `gatewayctl config check`) refuses ground geometry
// that cannot be a homography; it used to pass the check and make gatewayd
// exit 1 at start, which systemd restarts on for ever.
TEST(DetectorParams, CrowdGroundPointsThatCannotMapTheGroundAreRefused) {
    const std::string world = "ground_m = [0, 0, 10, 0, 10, 10, 0, 10]\n";
    auto three_on_a_line = read("crowd", "ground_px = [0, 0, 100, 0, 200, 0, 100, 100]\n" + world);
    CHECK_FALSE(three_on_a_line.ok());
    STRCMP_CONTAINS("ground_px: ", three_on_a_line.error().c_str());
    STRCMP_CONTAINS("no three of the 4 points may be on (or nearly on) a line",
                    three_on_a_line.error().c_str());
    auto world_on_a_line = read("crowd",
                                "ground_px = [0, 0, 100, 0, 100, 100, 0, 100]\n"
                                "ground_m = [0, 0, 5, 0, 10, 0, 5, 5]\n");
    CHECK_FALSE(world_on_a_line.ok());
    STRCMP_CONTAINS("ground_m: ", world_on_a_line.error().c_str());
    auto flat_roi = read("crowd", "roi = [0, 0, 100, 100, 200, 200]\narea_m2 = 50\n");
    CHECK_FALSE(flat_roi.ok());
    STRCMP_CONTAINS("roi: ", flat_roi.error().c_str());
    // Within half a pixel of a line over 1000 px: a click's error moves the area by metres.
    auto nearly = read("crowd", "ground_px = [0, 0, 500, 0.5, 1000, 0, 500, 400]\n" + world);
    CHECK_FALSE(nearly.ok());
    STRCMP_CONTAINS("ground_px: ", nearly.error().c_str());
    // A floor rectangle far away in perspective: wide and thin, but a quad.
    auto far = read("crowd", "ground_px = [600, 500, 1300, 500, 1400, 540, 500, 540]\n" + world);
    CHECK_TEXT(far.ok(), far.error().c_str());
    auto square = read("crowd", "ground_px = [0, 0, 100, 0, 100, 100, 0, 100]\n" + world);
    CHECK_TEXT(square.ok(), square.error().c_str());
}

TEST_GROUP(Factory){};

TEST(Factory, BuildsEachSensorKindAndListsItsPoints) {
    gw::EventIdSource ids("g", 1);
    auto f = build("flood", {{"depth", "lvl"}, {"rain_counter", "rc"}}, ids);
    CHECK_TEXT(f.ok(), f.ok() ? "" : f.error().c_str());
    LONGS_EQUAL(2, (*f)->points().size());
    STRCMP_EQUAL("d1", (*f)->id().c_str());
    CHECK(build("fire", {{"smoke", "s"}}, ids).ok());
    CHECK(build("elevator", {{"door_open", "d"}, {"moving", "m"}}, ids).ok());
}

TEST(Factory, RejectsVisionKindsMissingRolesAndBadParams) {
    gw::EventIdSource ids("g", 1);
    auto crowd = build("crowd", {}, ids);
    CHECK_FALSE(crowd.ok());
    STRCMP_CONTAINS("not a sensor detector", crowd.error().c_str());
    auto lift = build("elevator", {{"door_open", "d"}}, ids);
    CHECK_FALSE(lift.ok());
    STRCMP_CONTAINS("inputs.moving: required input is missing", lift.error().c_str());
    auto fire = build("fire", {}, ids);
    CHECK_FALSE(fire.ok());
    auto flood = build("flood", {{"depth", "l"}}, ids, "rain_window_min = 0");
    CHECK_FALSE(flood.ok());
    STRCMP_CONTAINS("params.rain_window_min", flood.error().c_str());
}

TEST(Factory, AFloodDetectorNeedsDepthRainOrBoth) {
    gw::EventIdSource ids("g", 1);
    auto rain = build("flood", {{"rain_counter", "rc"}}, ids);
    CHECK_TEXT(rain.ok(), rain.ok() ? "" : rain.error().c_str());
    LONGS_EQUAL(1, (*rain)->points().size());  // no depth point to watch
    CHECK(build("flood", {{"depth", "lvl"}}, ids).ok());
    auto neither = build("flood", {}, ids);
    CHECK_FALSE(neither.ok());
    STRCMP_EQUAL("detector d1: inputs: a flood detector needs depth, rain_counter or both",
                 neither.error().c_str());
}

TEST(Factory, TheFormerGaugeRangeParamsPointToThePoint) {
    auto p = read("flood", "sensor_max_cm = 300\n");
    CHECK_FALSE(p.ok());
    STRCMP_CONTAINS("sensor_max_cm: set min/max on the depth point instead", p.error().c_str());
}

TEST(Factory, DetectorSetRoutesByPointAndSkipsVision) {
    gw::EventIdSource ids("g", 1);
    std::vector<DetectorConfig> all{*config("flood", {{"depth", "lvl"}}), *config("crowd", {})};
    all[1].id = "cam";
    auto set = gw::detectors::DetectorSet::build(all, ids);
    CHECK(set.ok());
    LONGS_EQUAL(1, set->size());
    LONGS_EQUAL(1, set->skipped().size());
    std::vector<gw::Event> out;
    CHECK(set->on_sample({"lvl", 3, gw::Quality::good, 0}, out));
    CHECK_FALSE(set->on_sample({"other", 3, gw::Quality::good, 0}, out));
}

namespace {

constexpr int64_t kBoot = 1'700'000'000'000;

// A flood detector on point "lvl", fed 5 cm (dry) every second for the
// first minute from kBoot.
gw::detectors::DetectorSet flood_after_a_dry_minute(gw::EventIdSource& ids) {
    std::vector<DetectorConfig> all{*config("flood", {{"depth", "lvl"}})};
    auto set = gw::detectors::DetectorSet::build(all, ids);
    CHECK(set.ok());
    std::vector<gw::Event> out;
    for (int64_t t = kBoot; t < kBoot + 60'000; t += 1000) {
        set->on_sample({"lvl", 5, gw::Quality::good, t}, out);
        set->on_tick(t, out);
    }
    CHECK(out.empty());
    return std::move(*set);
}

}  // namespace

// NTP steps a gateway's wall clock back an hour. The detectors never let
// time run back, so they used to wait out the hour: water at 60 cm raised
// nothing until the clock caught up. The set takes the step out, and the
// events carry the wall time after the step.
TEST(Factory, AWallClockSteppedBackDoesNotFreezeTheDetectors) {
    gw::EventIdSource ids("g", 1);
    auto set = flood_after_a_dry_minute(ids);
    std::vector<gw::Event> out;
    const int64_t boot = kBoot;
    const int64_t stepped = boot + 60'000 - 3'600'000;
    for (int64_t t = stepped; t < stepped + 30'000; t += 1000) {
        set.on_sample({"lvl", 60, gw::Quality::good, t}, out);
        set.on_tick(t, out);
    }
    std::string all_events;
    for (const auto& e : out) all_events += e.type + " " + std::to_string(e.t_ms) + "\n";
    CHECK_TEXT(!out.empty(), "nothing raised after the step");
    STRCMP_EQUAL("water_depth", out[0].type.c_str());
    CHECK(out[0].severity == gw::Severity::critical);
    CHECK_TEXT(out[0].t_ms >= stepped + 10'000 && out[0].t_ms <= stepped + 12'000,
               all_events.c_str());
}

// A Modbus device whose turn took 12 s (a block timing out, with retries)
// hands in its first block's samples 12 s after the ticks moved on. They
// were taken for a clock step back: the skew grew by 12 s, and every hold
// running then ended 12 s early (water raised 1 s after it was seen, not
// after its 10 s hold).
TEST(Factory, ALateSampleIsNoClockStep) {
    gw::EventIdSource ids("g", 1);
    auto set = flood_after_a_dry_minute(ids);
    std::vector<gw::Event> out;
    const int64_t boot = kBoot;
    // Read at boot + 60 s, handed in 12 s later; the ticks went on meanwhile.
    const int64_t now = boot + 72'000;
    for (int64_t t = boot + 60'000; t <= now; t += 1000) set.on_tick(t, out);
    set.on_sample({"lvl", 60, gw::Quality::good, boot + 60'000}, out);
    for (int64_t t = now + 1000; t < now + 30'000; t += 1000) {
        set.on_sample({"lvl", 60, gw::Quality::good, t}, out);
        set.on_tick(t, out);
    }
    std::string all_events;
    for (const auto& e : out) all_events += e.type + " " + std::to_string(e.t_ms - now) + "\n";
    CHECK_TEXT(!out.empty(), "the water was not raised");
    // Its hold counted from when the reading came in.
    CHECK_TEXT(out[0].t_ms >= now + 10'000 && out[0].t_ms <= now + 12'000, all_events.c_str());
}

namespace {

// The daemon's feed: a flood detector on "lvl" and "rain", a batch of both
// (dry, no rain) every second for the first minute, at kBoot and monotonic 0.
gw::detectors::DetectorSet flood_fed_by_the_daemon(gw::EventIdSource& ids) {
    std::vector<DetectorConfig> all{*config("flood", {{"depth", "lvl"}, {"rain_counter", "rain"}})};
    auto set = gw::detectors::DetectorSet::build(all, ids);
    CHECK(set.ok());
    std::vector<gw::Event> out;
    for (int64_t s = 0; s < 60; ++s) {
        const int64_t t = kBoot + s * 1000;
        set->on_samples({{"lvl", 5, gw::Quality::good, t}, {"rain", 7, gw::Quality::good, t}},
                        {t, s * 1000}, out);
    }
    CHECK(out.empty());
    return std::move(*set);
}

std::string listed(const std::vector<gw::Event>& out) {
    std::string all;
    for (const auto& e : out) all += e.type + " " + std::to_string(e.t_ms) + "\n";
    return all;
}

}  // namespace

// NTP steps the wall clock of a gateway that booted without a real-time
// clock an hour forward. Taken as an hour gone by, it raised sensor_silent
// for every input at once (and cleared it at their next sample), and ended
// every running hold: water seen 2 s before the step was raised without
// its 10 s hold. Measured against monotonic time, the step is taken out.
TEST(Factory, AWallClockSteppedForwardIsNoHourGoneBy) {
    gw::EventIdSource ids("g", 1);
    auto set = flood_fed_by_the_daemon(ids);
    std::vector<gw::Event> out;
    std::optional<int64_t> raised_at;  // monotonic
    for (int64_t s = 60; s < 90; ++s) {
        const int64_t wall = kBoot + s * 1000 + (s >= 62 ? 3'600'000 : 0);
        const size_t before = out.size();
        set.on_samples({{"lvl", 60, gw::Quality::good, wall}, {"rain", 7, gw::Quality::good, wall}},
                       {wall, s * 1000}, out);
        if (out.size() > before && !raised_at) raised_at = s * 1000;
    }
    LONGS_EQUAL_TEXT(1, out.size(), listed(out).c_str());
    STRCMP_EQUAL("water_depth", out[0].type.c_str());
    CHECK_TEXT(*raised_at >= 70'000, listed(out).c_str());  // seen at 60 s, held 10 s
    // The event says the wall time after the step.
    CHECK_TEXT(out[0].t_ms >= kBoot + 3'600'000 + 70'000, listed(out).c_str());
}

// The wall clock steps back an hour between a device's read and its batch:
// the batch's samples were stamped before the step. With the step taken out
// they landed an hour in the detectors' future, and the hour ended every
// hold and raised sensor_silent for the inputs not in that batch.
TEST(Factory, ASampleStampedBeforeAStepBackIsNotAnHourAhead) {
    gw::EventIdSource ids("g", 1);
    auto set = flood_fed_by_the_daemon(ids);
    std::vector<gw::Event> out;
    const int64_t back = -3'600'000;
    set.on_tick({kBoot + 60'000 + back, 60'000}, out);  // the tick sees the step
    // One device's turn, read just before the step: only "lvl".
    set.on_samples({{"lvl", 5, gw::Quality::good, kBoot + 59'900}}, {kBoot + 60'100 + back, 60'100},
                   out);
    for (int64_t s = 61; s < 120; ++s) {
        const int64_t wall = kBoot + s * 1000 + back;
        set.on_samples({{"lvl", 5, gw::Quality::good, wall}, {"rain", 7, gw::Quality::good, wall}},
                       {wall, s * 1000}, out);
    }
    CHECK_TEXT(out.empty(), listed(out).c_str());
}

// One glitch anywhere in a short window is left out: the slope is the
// others'. Readings that are merely noisy get the plain least-squares fit.
TEST(Factory, OneGlitchInAShortSlopeWindowIsLeftOutNoiseIsNot) {
    gw::detectors::SlopeWindow glitched(60'000);
    for (int64_t t = 0; t <= 60'000; t += 10'000)
        glitched.add(t, t == 40'000 ? 32.0 : 22.0 + static_cast<double>(t) / 60'000.0);
    DOUBLES_EQUAL(1.0, *glitched.per_minute(60'000), 1e-9);  // 1 per minute, as the others

    const double noisy[] = {22.0, 22.3, 21.8, 22.4, 21.9, 22.2, 22.5};
    gw::detectors::SlopeWindow plain(60'000);
    double n = 0, st = 0, sv = 0, stt = 0, stv = 0;
    for (int i = 0; i < 7; ++i) {
        plain.add(i * 10'000, noisy[i]);
        const double x = i / 6.0;
        n += 1, st += x, sv += noisy[i], stt += x * x, stv += x * noisy[i];
    }
    DOUBLES_EQUAL((n * stv - st * sv) / (n * stt - st * st), *plain.per_minute(60'000), 1e-9);
}

// A full window keeps its points evenly spread: the fit over them is the fit
// over every reading. Halving all the points at each fill left the older
// part ever sparser, and the fit leaned on the newest readings.
TEST(Factory, AFullSlopeWindowFitsAsIfItKeptEveryReading) {
    const int64_t window = 1'000'000;  // 1000 s of readings, one a second
    const int64_t end = 3 * window;
    // Flat, and rising 1 per minute over the last quarter.
    auto level = [&](int64_t t) {
        return t < end - window / 4 ? 0.0 : static_cast<double>(t - (end - window / 4)) / 60'000.0;
    };
    gw::detectors::SlopeWindow thinned(window, 100);
    double n = 0, st = 0, sv = 0, stt = 0, stv = 0;  // the fit over every reading in the window
    for (int64_t t = 0; t <= end; t += 1000) {
        thinned.add(t, level(t));
        if (end - t > window) continue;
        const double x = static_cast<double>(t) / 60'000.0, y = level(t);
        n += 1, st += x, sv += y, stt += x * x, stv += x * y;
    }
    const double every = (n * stv - st * sv) / (n * stt - st * st);
    auto fit = thinned.per_minute(end);
    CHECK(fit.has_value());
    DOUBLES_EQUAL(every, *fit, 0.1 * every);  // halving each fill: 3.2 x every
}
