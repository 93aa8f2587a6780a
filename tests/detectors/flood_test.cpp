// Flood detector: levels, rise, rain, sensor faults, and hours of normal
// noisy data that must raise nothing.
#include <cmath>
#include <string>

#include "detectors/flood/flood_settings.hpp"
#include "rig.hpp"

#include <CppUTest/TestHarness.h>

using gw::EventState;
using gw::Quality;
using gw::Severity;
using gw::detectors::FloodSettings;
using gw::test::Noise;
using gw::test::Rig;

namespace {
Rig flood(const std::function<void(FloodSettings&)>& tune = {}) {
    return Rig("flood", {{"depth", "lvl"}, {"rain_counter", "rain"}},
               gw::test::settings<FloodSettings>(tune));
}
// Default holds (domain reference; flood_settings.hpp).
constexpr int64_t kRaiseHold = 10'000;
constexpr int64_t kClearHold = 120'000;
constexpr int64_t kFloodStepMs = 1'000;
}  // namespace

TEST_GROUP(FloodDepth){};

TEST(FloodDepth, LevelsRaiseAfterTheHoldEscalateAtOnceAndClearWithHysteresis) {
    Rig rig = flood();
    double depth = 5;
    rig.run(599'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", depth);
        rig.feed("rain", 0);
    });
    depth = 20;  // ordinary waterlogging from t = 600 s
    rig.run(700'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", depth);
        rig.feed("rain", 0);
    });
    auto raise = rig.find("water_depth", EventState::raise);
    CHECK_TEXT(raise.has_value(), rig.dump().c_str());
    CHECK(raise->severity == Severity::warning);
    CHECK(raise->t_ms <= 600'000 + kRaiseHold + kFloodStepMs);
    depth = 35;  // worse: the update must not wait
    rig.run(800'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", depth);
        rig.feed("rain", 0);
    });
    auto up = rig.find("water_depth", EventState::update);
    CHECK(up.has_value());
    CHECK(up->severity == Severity::alarm);
    CHECK(up->t_ms <= 701'000 + kFloodStepMs);
    STRCMP_EQUAL(raise->id.c_str(), up->incident.c_str());
    // Waves around the alarm level (30 cm) stay within the 3 cm margin: no flapping.
    rig.run(1'400'000, kFloodStepMs, [&](int64_t t) {
        rig.feed("lvl", 30.5 + 2.0 * std::sin(static_cast<double>(t) / 7000.0));
        rig.feed("rain", 0);
    });
    LONGS_EQUAL(2, rig.count("water_depth"));
    int64_t dry = rig.now();
    rig.run(dry + 400'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 2);
        rig.feed("rain", 0);
    });
    auto clear = rig.find("water_depth", EventState::clear);
    CHECK_TEXT(clear.has_value(), rig.dump().c_str());
    CHECK(clear->t_ms >= dry + kClearHold);
    CHECK(clear->t_ms <= dry + 2 * kClearHold + kFloodStepMs);  // alarm -> warning -> clear
}

// Water standing at 13 cm (under the 15 cm warning, within its 3 cm clear
// margin) with one wave splashing the gauge to 16: nothing to report. The
// band the splash entered used to hold, and a warning was raised 10 s later
// that never cleared.
TEST(FloodDepth, OneSplashOverALevelRaisesNothingWhileTheWaterStaysUnder) {
    Rig rig = flood();
    Noise noise(7);
    rig.run(1'800'000, kFloodStepMs, [&](int64_t t) {
        rig.feed("lvl", t == 300'000 ? 16.0 : 13.0 + noise(0.25));
        rig.feed("rain", 0);
    });
    LONGS_EQUAL_TEXT(0, rig.count("water_depth"), rig.dump().c_str());
}

TEST(FloodDepth, RiseReportsTheTimeToTheNextLevel) {
    Rig rig = flood();
    // 1 cm/min = 10 cm/10 min from 0: above the 5 cm/10min warning rate.
    rig.run(720'000, 10'000, [&](int64_t t) {
        rig.feed("lvl", static_cast<double>(t) / 60'000.0);
        rig.feed("rain", 0);
    });
    auto e = rig.find("water_rising", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    DOUBLES_EQUAL(10.0, e->value, 0.5);
    double depth = e->details.at("depth_cm").get<double>();
    DOUBLES_EQUAL(15.0 - depth, e->details.at("minutes_to_next_level").get<double>(), 0.6);
    DOUBLES_EQUAL(15.0, e->details.at("next_level_cm").get<double>(), 1e-9);
    STRCMP_CONTAINS("15 cm in ~", e->message.c_str());
}

// A flash flood: ten dry minutes, then 6 cm a minute. The time to the next
// level follows the rise now. By the whole window's fit, still full of the
// dry minutes, the warning at 16 cm said "next level in ~26 min" of 30 cm,
// which the water reached two minutes later.
TEST(FloodDepth, TheTimeToTheNextLevelFollowsARiseThatSpeedsUp) {
    Rig rig = flood();
    auto level = [](int64_t t) {
        const double min = static_cast<double>(t) / 60'000.0;
        return min < 10 ? 5.0 : 5.0 + (min - 10) * 6;
    };
    rig.run(780'000, kFloodStepMs, [&](int64_t t) {
        rig.feed("lvl", level(t));
        rig.feed("rain", 0);
    });
    auto warning = rig.find("water_depth", EventState::raise);
    CHECK_TEXT(warning.has_value(), rig.dump().c_str());
    const double depth = warning->details.at("depth_cm").get<double>();
    const double truth = (30.0 - depth) / 6.0;  // minutes, at 6 cm a minute
    CHECK_TEXT(warning->details.contains("minutes_to_next_level"), rig.dump().c_str());
    const double eta = warning->details.at("minutes_to_next_level").get<double>();
    CHECK_TEXT(eta >= truth * 0.8 && eta <= truth * 1.5, rig.dump().c_str());
    STRCMP_CONTAINS("next level in ~", warning->message.c_str());
}

// A 3 h rise window on a gauge polled every second holds 10,800 readings,
// more than the fit keeps (4,096). Dropping the oldest, the points spanned
// 68 minutes, never half the window, and a slow rise was never judged.
TEST(FloodDepth, ALongRiseWindowOnAFastPollStillJudgesTheRise) {
    Rig rig = flood([](FloodSettings& s) { s.rise_window_s = 10'800; });
    rig.run(3 * 3'600'000, 1'000, [&](int64_t t) {
        rig.feed("lvl", 0.6 * static_cast<double>(t) / 60'000.0);  // 6 cm/10 min
        rig.feed("rain", 0);
    });
    auto e = rig.find("water_rising", EventState::raise);
    CHECK_TEXT(e.has_value(), "the rise was never judged");
    DOUBLES_EQUAL(6.0, e->value, 0.5);
    CHECK(e->t_ms >= 5'400'000 && e->t_ms <= 5'400'000 + 20'000);  // half the window, the hold
}

// A flash rise, a fall and a level that holds: "rising" is over once the
// water stops rising, although a fit over the whole window (600 s) still
// slopes up (it told the center "rising 107 cm/10min, 50 cm in ~1 min" of
// water that had been falling for minutes).
TEST(FloodDepth, RisingEndsWhenTheWaterStopsRisingNotWhenTheWindowForgetsTheRise) {
    Rig rig = flood();
    auto level = [](int64_t t) {
        const double min = static_cast<double>(t) / 60'000.0;
        if (min < 10) return 5.0;                    // dry
        if (min < 14) return 5.0 + (min - 10) * 12;  // up to 53 cm in 4 min
        if (min < 16) return 53.0 - (min - 14) * 7;  // down to 39 cm in 2 min
        return 39.0;                                 // and holds
    };
    rig.run(1'800'000, kFloodStepMs, [&](int64_t t) {
        rig.feed("lvl", level(t));
        rig.feed("rain", 0);
    });
    auto raise = rig.find("water_rising", EventState::raise);
    CHECK_TEXT(raise.has_value() && raise->t_ms < 840'000, rig.dump().c_str());
    const int64_t fall = 840'000;
    // Cleared within a quarter window and two clear holds (alarm, warning,
    // clear) after the water turned; nothing about rising after that, and
    // no time to the next level for water that holds.
    auto clear = rig.find("water_rising", EventState::clear, fall);
    CHECK_TEXT(clear.has_value(), rig.dump().c_str());
    CHECK_TEXT(clear->t_ms <= fall + 150'000 + 2 * kClearHold + 10'000, rig.dump().c_str());
    CHECK_FALSE(clear->details.contains("minutes_to_next_level"));
    for (const auto& e : rig.events()) {
        if (e.type != "water_rising") continue;
        CHECK_TEXT(e.t_ms <= clear->t_ms, rig.dump().c_str());
        // Steps down while the water falls say it falls.
        CHECK_TEXT(e.message.find("rising -") == std::string::npos, e.message.c_str());
        if (e.value < 0) STRCMP_CONTAINS("water falling ", e.message.c_str());
        if (e.state == EventState::clear) STRCMP_CONTAINS("water holding at 39", e.message.c_str());
    }
}

TEST_GROUP(FloodRain){};

// Steady 40 mm/h (a blue notice), and the gauge's line down for two hours:
// the tips counted meanwhile fell over those two hours. Put all into the
// minute the line came back, they read as 80 mm/h: an orange warning for
// an hour of rain that never fell harder than 40.
TEST(FloodRain, TipsCountedOverAGapAreSpreadOverIt) {
    Rig rig = flood();
    const double tips_per_min = 40.0 / 0.5 / 60.0;  // 40 mm/h of 0.5 mm tips
    rig.run(5 * 3'600'000, 60'000, [&](int64_t t) {
        const double count = std::floor(tips_per_min * static_cast<double>(t) / 60000.0);
        const bool line_down = t >= 90 * 60'000 && t < 210 * 60'000;
        rig.feed("rain", count, line_down ? Quality::comm_fail : Quality::good);
        rig.feed("lvl", 1);
    });
    auto blue = rig.find("rain_intensity", EventState::raise);
    CHECK_TEXT(blue.has_value(), rig.dump().c_str());
    CHECK(blue->severity == Severity::notice);
    for (const auto& e : rig.events())
        if (e.type == "rain_intensity") CHECK_TEXT(e.value < 45, rig.dump().c_str());
}

TEST(FloodRain, IntensityFromTheCounterAcrossAWrap) {
    Rig rig = flood();
    // One 0.5 mm tip every 30 s = 60 mm/h; the uint16 counter wraps mid-storm.
    double count = 65'500;
    rig.run(5'400'000, 10'000, [&](int64_t t) {
        if (t > 0 && t % 30'000 == 0) count = count >= 65'535 ? 0 : count + 1;
        rig.feed("rain", count);
        rig.feed("lvl", 1);
    });
    auto blue = rig.find("rain_intensity", EventState::raise);
    CHECK_TEXT(blue.has_value(), rig.dump().c_str());
    CHECK(blue->severity == Severity::notice);  // 35 mm/h after ~35 min
    auto yellow = rig.find("rain_intensity", EventState::update);
    CHECK(yellow.has_value());
    CHECK(yellow->severity == Severity::warning);
    DOUBLES_EQUAL(50, yellow->value, 1.0);
    for (const auto& e : rig.events()) CHECK_TEXT(e.value < 61, rig.dump().c_str());
    int64_t stop = rig.now();
    rig.run(stop + 3'600'000 + 130'000, 60'000, [&](int64_t) {
        rig.feed("rain", count);
        rig.feed("lvl", 1);
    });
    CHECK(rig.find("rain_intensity", EventState::clear, stop).has_value());
}

TEST(FloodRain, ACounterResetIsNotABurstOfRain) {
    Rig rig = flood();
    rig.run(600'000, 10'000, [&](int64_t t) {
        rig.feed("rain", t < 300'000 ? 12'345 : 0);  // gauge restarted at 300 s
        rig.feed("lvl", 1);
    });
    LONGS_EQUAL_TEXT(0, rig.count("rain_intensity"), rig.dump().c_str());
}

// A power cut: the gauge (0.1 mm tips), its counter past half its range, is
// silent for two hours and comes back counting from 3. Read as a wrap, that
// was 32,539 tips, 3,254 mm: under 40 mm a minute over two hours, so kept
// (1,627 mm/h, an orange alarm at once) for a dry afternoon.
TEST(FloodRain, AGaugeBackFromAPowerCutIsARestartNotAWrap) {
    Rig rig = flood([](FloodSettings& s) { s.mm_per_tip = 0.1; });
    const int64_t cut = 600'000, back = cut + 2 * 3'600'000;
    rig.run(back + 600'000, 10'000, [&](int64_t t) {
        if (t < cut) rig.feed("rain", 33'000);
        if (t >= back) rig.feed("rain", 3);
        rig.feed("lvl", 1);
    });
    LONGS_EQUAL_TEXT(0, rig.count("rain_intensity"), rig.dump().c_str());
}

// Watched all along, the same drop is a wrap: the tips are rain.
TEST(FloodRain, ADropWhileWatchedIsAWrap) {
    Rig rig = flood();
    rig.run(1'200'000, 10'000, [&](int64_t t) {
        // 65,500 -> wraps at 65,535 -> 40: 76 tips (38 mm) in 10 s, then dry.
        rig.feed("rain", t < 600'000 ? 65'500 : 40);
        rig.feed("lvl", 1);
    });
    auto e = rig.find("rain_intensity", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    DOUBLES_EQUAL(38, e->value, 0.5);  // 38 mm in the 60-minute window: blue
}

TEST_GROUP(FloodFaults){};

TEST(FloodFaults, SilenceAndBadQualityAreSensorFaultsAndClearOnGoodSamples) {
    Rig rig = flood();
    rig.run(60'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 3);
        rig.feed("rain", 0);
    });
    int64_t gone = rig.now();
    // The gauge answers with comm_fail: no information, so silence runs on.
    rig.run(gone + 400'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 0, Quality::comm_fail);
        rig.feed("rain", 0);
    });
    auto e = rig.find("sensor_silent", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    CHECK(e->t_ms <= gone + 300'000 + kFloodStepMs);
    STRCMP_EQUAL("depth", e->details.at("role").get<std::string>().c_str());
    int64_t back = rig.now();
    rig.run(back + 5'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 3);
        rig.feed("rain", 0);
    });
    auto c = rig.find("sensor_silent", EventState::clear);
    CHECK(c.has_value());
    CHECK(c->t_ms <= back + kFloodStepMs);
    LONGS_EQUAL(0, rig.count("water_depth"));
}

// The water may have come back while the gauge was lost: a clear hold
// begun before the loss does not complete on the first reading after it.
TEST(FloodFaults, AGaugeLostLongerThanTheClearHoldRestartsTheClear) {
    Rig rig = flood();
    rig.run(30'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 20);
        rig.feed("rain", 0);
    });
    CHECK_TEXT(rig.find("water_depth", EventState::raise).has_value(), rig.dump().c_str());
    rig.run(rig.now() + kClearHold / 2, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 3);
        rig.feed("rain", 0);
    });
    rig.run(rig.now() + kClearHold + 30'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 0, Quality::comm_fail);
        rig.feed("rain", 0);
    });
    const int64_t back = rig.now();
    rig.run(back + kClearHold + 5'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 3);
        rig.feed("rain", 0);
    });
    auto c = rig.find("water_depth", EventState::clear);
    CHECK_TEXT(c.has_value(), rig.dump().c_str());
    CHECK_TEXT(c->t_ms >= back + kClearHold, rig.dump().c_str());
}

TEST(FloodFaults, OutOfRangeIsAFaultNeverWater) {
    Rig rig = flood();
    rig.run(30'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 3);
        rig.feed("rain", 0);
    });
    int64_t bad = rig.now();
    rig.run(bad + 60'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 6553.5);
        rig.feed("rain", 0);
    });
    auto e = rig.find("sensor_out_of_range", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    CHECK(e->t_ms <= bad + kRaiseHold + kFloodStepMs);
    LONGS_EQUAL(0, rig.count("water_depth"));
    LONGS_EQUAL(0, rig.count("water_rising"));
    int64_t ok = rig.now();
    rig.run(ok + 30'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 3);
        rig.feed("rain", 0);
    });
    CHECK(rig.find("sensor_out_of_range", EventState::clear).has_value());
}

TEST(FloodFaults, AWetReadingThatNeverMovesIsStuck) {
    Rig rig = flood([](FloodSettings& s) { s.stuck_s = 600; });
    rig.run(900'000, 10'000, [&](int64_t) {
        rig.feed("lvl", 22.0);
        rig.feed("rain", 0);
    });
    auto e = rig.find("sensor_stuck", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    CHECK(e->t_ms <= 600'000 + 10'000);
    int64_t moving = rig.now();
    Noise noise(7);
    rig.run(moving + 30'000, 10'000, [&](int64_t) {
        rig.feed("lvl", 22 + noise(0.3));
        rig.feed("rain", 0);
    });
    CHECK(rig.find("sensor_stuck", EventState::clear).has_value());
}

// A gauge that loses power is silent, not stuck: its last wet value was
// held for stuck_s as if it still came ("stuck at one value" an hour after
// it went quiet).
TEST(FloodFaults, AWetGaugeThatGoesSilentIsNotStuck) {
    Rig rig = flood([](FloodSettings& s) { s.stuck_s = 600; });
    Noise noise(3);
    rig.run(60'000, 10'000, [&](int64_t) {
        rig.feed("lvl", 22 + noise(0.3));
        rig.feed("rain", 0);
    });
    rig.run(rig.now() + 1'200'000, 10'000, [&](int64_t) { rig.feed("rain", 0); });
    CHECK_TEXT(rig.find("sensor_silent", EventState::raise).has_value(), rig.dump().c_str());
    LONGS_EQUAL_TEXT(0, rig.count("sensor_stuck"), rig.dump().c_str());
}

// One splash over the alarm level escalates at once, and steps back down
// after the clear hold: it held the alarm while the water stayed within
// the margin under it (for hours at a level just under it).
TEST(FloodFaults, OneSplashOverAHigherLevelStepsBackDown) {
    Rig rig = flood();
    rig.run(120'000, kFloodStepMs, [&](int64_t) {
        rig.feed("lvl", 28.5);
        rig.feed("rain", 0);
    });
    const int64_t splash = rig.now() + kFloodStepMs;
    rig.run(splash + 3'600'000, kFloodStepMs, [&](int64_t t) {
        rig.feed("lvl", t == splash ? 30.5 : 28.5);
        rig.feed("rain", 0);
    });
    int alarms = 0, warnings_after = 0;
    for (const auto& e : rig.events()) {
        if (e.type != "water_depth" || e.state != EventState::update) continue;
        alarms += e.severity == Severity::alarm;
        warnings_after += alarms > 0 && e.severity == Severity::warning;
    }
    LONGS_EQUAL_TEXT(1, alarms, rig.dump().c_str());
    LONGS_EQUAL_TEXT(1, warnings_after, rig.dump().c_str());
}

// One bad counter reading a minute (a flaky RS-485 line) was an
// out-of-range raise and clear each time: the rain input has the depth's hold.
TEST(FloodFaults, ABadRainCounterReadingNowAndThenRaisesNothing) {
    Rig rig = flood();
    rig.run(1'800'000, kFloodStepMs, [&](int64_t t) {
        rig.feed("lvl", 2);
        if (t % 60'000 == 30'000)
            rig.feed("rain", 0, gw::Quality::out_of_range);
        else
            rig.feed("rain", 0);
    });
    LONGS_EQUAL_TEXT(0, rig.count("sensor_out_of_range"), rig.dump().c_str());
}

TEST(FloodFaults, ADryRoadReadingZeroForHoursIsNotStuck) {
    Rig rig = flood([](FloodSettings& s) { s.stuck_s = 600; });
    rig.run(4 * 3'600'000, 10'000, [&](int64_t) {
        rig.feed("lvl", 0.0);
        rig.feed("rain", 0);
    });
    LONGS_EQUAL_TEXT(0, rig.events().size(), rig.dump().c_str());
}

TEST_GROUP(FloodNormal){};

TEST(FloodNormal, SixNoisyHoursWithLightRainRaiseNothing) {
    Rig rig = flood();
    Noise noise(42);
    double count = 60'000, puddle = 0;
    rig.run(6 * 3'600'000LL, 5'000, [&](int64_t t) {
        // ~12 mm/h light rain in showers; a puddle that fills and drains below 10 cm.
        double hour = static_cast<double>(t) / 3'600'000.0;
        if (noise.uniform(0, 1) < 0.0167 * (1 + std::sin(hour)))
            count = std::fmod(count + 1, 65'536);
        puddle = 4 + 4 * std::sin(hour / 2);
        rig.feed("lvl", std::max(0.0, puddle + noise(0.8)));
        rig.feed("rain", count);
    });
    LONGS_EQUAL_TEXT(0, rig.events().size(), rig.dump().c_str());
}

// A site has a depth gauge, a rain gauge or both (typhoon sites often have
// only a rain gauge): each works alone, and a missing one raises nothing.
TEST_GROUP(FloodInputs){};

TEST(FloodInputs, RainOnlyRaisesTheRainBandsAndNothingAboutDepth) {
    Rig rig("flood", {{"rain_counter", "rain"}}, gw::test::settings<FloodSettings>({}));
    // One 0.5 mm tip every 30 s (60 mm/h) for 90 min, then three dry hours.
    double count = 0;
    rig.run(5'400'000, 10'000, [&](int64_t t) {
        if (t > 0 && t % 30'000 == 0) count += 1;
        rig.feed("rain", count);
    });
    int64_t dry = rig.now();
    rig.run(dry + 3 * 3'600'000, 10'000, [&](int64_t) { rig.feed("rain", count); });
    auto blue = rig.find("rain_intensity", EventState::raise);
    CHECK_TEXT(blue.has_value(), rig.dump().c_str());
    CHECK(blue->severity == Severity::notice);
    auto yellow = rig.find("rain_intensity", EventState::update);
    CHECK_TEXT(yellow.has_value(), rig.dump().c_str());
    CHECK(yellow->severity == Severity::warning);
    CHECK_TEXT(rig.find("rain_intensity", EventState::clear, dry).has_value(), rig.dump().c_str());
    // Only the rain incident: no depth levels, no rise, no silent depth gauge.
    LONGS_EQUAL_TEXT(rig.count("rain_intensity"), rig.events().size(), rig.dump().c_str());
}

TEST(FloodInputs, DepthOnlyRaisesWaterAndNothingAboutRain) {
    Rig rig("flood", {{"depth", "lvl"}}, gw::test::settings<FloodSettings>({}));
    rig.run(600'000, kFloodStepMs, [&](int64_t) { rig.feed("lvl", 3); });
    rig.run(1'800'000, kFloodStepMs, [&](int64_t) { rig.feed("lvl", 35); });
    rig.run(3 * 3'600'000, 10'000, [&](int64_t) { rig.feed("lvl", 2); });
    auto e = rig.find("water_depth", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    CHECK(rig.find("water_depth", EventState::clear).has_value());
    for (const auto& ev : rig.events())
        CHECK_TEXT(ev.type == "water_depth" || ev.type == "water_rising", rig.dump().c_str());
}

TEST(FloodInputs, BothGaugesAreWatchedEachOnItsOwn) {
    Rig rig = flood();
    // The rain gauge goes quiet while the depth gauge keeps reporting.
    rig.run(900'000, kFloodStepMs, [&](int64_t t) {
        rig.feed("lvl", 3);
        if (t < 300'000) rig.feed("rain", 0);
    });
    auto e = rig.find("sensor_silent", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    STRCMP_EQUAL("rain_counter", e->details.at("role").get<std::string>().c_str());
    LONGS_EQUAL_TEXT(1, rig.events().size(), rig.dump().c_str());
}
