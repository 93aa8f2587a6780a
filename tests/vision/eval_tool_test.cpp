// The evaluation loop a detector change goes through: the robustness
// matrix (gw-eval-vision-fire) on a generated scene, with its per-frame
// trace, and the trace summarised per clip (tools/vision-eval/trace_features.py).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

const std::string kTraceFeatures =
    std::string(GW_SOURCE_DIR) + "/tools/vision-eval/trace_features.py";
const std::string kRegionClassifier =
    std::string(GW_SOURCE_DIR) + "/tools/vision-eval/region_classifier.py";
const std::string kTraceDiff = std::string(GW_SOURCE_DIR) + "/tools/vision-eval/trace_diff.py";
const std::string kPersistence = std::string(GW_SOURCE_DIR) + "/tools/vision-eval/persistence.py";

// One region as the detector reports it; `lively` regions flicker and move
// like flames, the others like a steady lamp.
nlohmann::json region(bool lively, int n) {
    const double wobble = 0.01 * (n % 5);
    return {{"x", 10 + n % 3},
            {"y", 20},
            {"w", 12},
            {"h", 16},
            {"hue", 0.25},
            {"sync", 0.2},
            {"repeat", 0.9},
            {"score", lively ? 0.8 : 0.1},
            {"flicker", (lively ? 0.45 : 0.05) + wobble},
            {"motion", (lively ? 0.3 : 0.02) + wobble}};
}

// A labelled trace as gw-eval-vision-fire --trace writes it: two fire clips
// (a lamp in view, flames from 0.5 s) and a distractor (the lamp only), 3 s
// at 10 frames/s each.
// `lamp_from` moves the lamp's flames from frame 30 (never) to that frame.
void write_labelled_trace(const std::string& path, int lamp_from = 30) {
    std::ofstream out(path);
    for (const std::string clip : {"fire A", "fire B", "lamp"})
        for (int n = 0; n < 30; ++n) {
            const bool flames = clip == "lamp" ? n >= lamp_from : n >= 5;
            nlohmann::json details = nlohmann::json::array({region(false, n)});
            if (flames) details.push_back(region(true, n));
            out << nlohmann::json{{"clip", clip},       {"variant", "original"},
                                  {"t_ms", 100 * n},    {"flames", flames},
                                  {"fire", flames},     {"score", 0},
                                  {"details", details}, {"events", 0}}
                       .dump()
                << "\n";
        }
}

}  // namespace

TEST_GROUP(EvalVisionFire) {
    gw::test::TempDir dir;
};

TEST(EvalVisionFire, TwoCellsOnTwoJobsReportInOrderAndTheirTraceSummarises) {
    const std::string trace = dir.path() + "/trace.jsonl";
    auto r =
        gw::test::run({GW_EVAL_VISION_FIRE, "--clip", "gen. brush fire 1", "--variant", "original",
                       "--variant", "brightness -40", "--json", "--jobs", "2", "--trace", trace},
                      240000);
    CHECK_EQUAL(0, r.code);
    std::istringstream out(r.out);
    std::vector<nlohmann::json> cells;
    for (std::string line; std::getline(out, line);)
        if (line.rfind('{', 0) == 0) cells.push_back(nlohmann::json::parse(line));
    CHECK_EQUAL(2u, cells.size());
    // In the order of the variants, whichever job finished first.
    STRCMP_EQUAL("original", cells[0]["variant"].get<std::string>().c_str());
    STRCMP_EQUAL("brightness -40", cells[1]["variant"].get<std::string>().c_str());
    for (const auto& cell : cells) {
        STRCMP_EQUAL("gen. brush fire 1", cell["clip"].get<std::string>().c_str());
        CHECK(cell["pass"].get<bool>());
        CHECK(cell["first_alarm_s"].get<double>() <= 2.0);
    }
    CHECK(r.out.find("fire variants alarmed within 2 s: 2/2") != std::string::npos);

    auto f = gw::test::run({"python3", kTraceFeatures, trace, "--feature", "flicker"});
    CHECK_EQUAL(0, f.code);
    CHECK(f.out.find("| feature | clip | regions | p10 | p50 | p90 |") != std::string::npos);
    CHECK(f.out.find("| flicker | gen. brush fire 1 | ") != std::string::npos);
    CHECK(f.out.find("| hue |") == std::string::npos);  // only the feature asked for
    auto by_variant =
        gw::test::run({"python3", kTraceFeatures, trace, "--feature", "hue", "--by-variant"});
    CHECK_EQUAL(0, by_variant.code);
    CHECK(by_variant.out.find("| hue | gen. brush fire 1 / original | ") != std::string::npos);
    CHECK(by_variant.out.find("| hue | gen. brush fire 1 / brightness -40 | ") !=
          std::string::npos);
}

TEST(EvalVisionFire, TraceFeaturesRefusesAFileThatIsNotATrace) {
    const std::string bogus = dir.path() + "/bogus.jsonl";
    std::ofstream(bogus) << "frame,people\n40,6\n";
    auto f = gw::test::run({"python3", kTraceFeatures, bogus});
    CHECK(f.code != 0);
    CHECK(f.err.find("bogus.jsonl:1: not a trace line") != std::string::npos);
}

// The classifier study (Debian's python3 with python3-sklearn): flames that
// look alike in every clip are found in a clip the model was not trained on.
TEST(EvalVisionFire, RegionClassifierScoresEachClipWithAModelTrainedOnTheOthers) {
    const std::string trace = dir.path() + "/labelled.jsonl";
    write_labelled_trace(trace);
    auto r = gw::test::run({"/usr/bin/python3", kRegionClassifier, trace, "--cells"}, 120000);
    CHECK_EQUAL(0, r.code);
    CHECK(r.out.find("features: flicker, hue, motion, repeat, sync, area, aspect") !=
          std::string::npos);
    CHECK(r.out.find("| detector | 2 / 2 | 1 / 1 |") != std::string::npos);
    CHECK(r.out.find("| in-sample | 2 / 2 | 1 / 1 |") != std::string::npos);
    CHECK(r.out.find("| leave-one-clip-out | 2 / 2 | 1 / 1 |") != std::string::npos);
    CHECK(r.out.find("failing cells") == std::string::npos);

    auto unknown =
        gw::test::run({"/usr/bin/python3", kRegionClassifier, trace, "--feature", "heat"});
    CHECK(unknown.code != 0);
    CHECK(unknown.err.find("--feature heat: not in these traces") != std::string::npos);
}

TEST(EvalVisionFire, RegionClassifierRefusesATraceWithoutLabels) {
    const std::string old = dir.path() + "/old.jsonl";
    std::ofstream(old) << R"({"clip":"c","variant":"v","t_ms":0,"fire":false,"details":[]})"
                       << "\n";
    auto r = gw::test::run({"/usr/bin/python3", kRegionClassifier, old});
    CHECK(r.code != 0);
    CHECK(r.err.find("old.jsonl:1: no \"flames\" label") != std::string::npos);
}

// Two runs of the matrix (say x86-64 and aarch64) compared cell by cell.
TEST(EvalVisionFire, TraceDiffNamesTheCellAndFrameWhereTwoRunsPart) {
    const std::string a = dir.path() + "/a.jsonl", b = dir.path() + "/b.jsonl";
    write_labelled_trace(a);
    write_labelled_trace(b, 28);  // the lamp flagged as flames from 2.8 s in b
    auto same = gw::test::run({"python3", kTraceDiff, a, a});
    CHECK_EQUAL(0, same.code);
    STRCMP_EQUAL("identical cells: 3 of 3\n", same.out.c_str());
    auto differ = gw::test::run({"python3", kTraceDiff, a, b});
    CHECK_EQUAL(1, differ.code);
    CHECK(differ.out.find("| lamp / original | 2 / 30 | 2.800 s | 0.000 | 2 |") !=
          std::string::npos);
    CHECK(differ.out.find("fire A") == std::string::npos);
    CHECK(differ.out.find("identical cells: 2 of 3") != std::string::npos);
    CHECK_EQUAL(2, gw::test::run({"python3", kTraceDiff, a}).code);
}

// A trace of the detector's flags only: a fire clip flagged from its first
// flame (0.5 s) and a distractor flagged from frame `lamp_from`, both
// 3 s at 10 frames/s; each flagged frame has one region at x(clip, n).
template <typename X>
void write_flags(const std::string& path, int lamp_from, X x) {
    std::ofstream out(path);
    for (const std::string clip : {"fire", "lamp"})
        for (int n = 0; n < 30; ++n) {
            const bool flames = clip == "fire" && n >= 5;
            const bool fire = clip == "fire" ? flames : n >= lamp_from;
            nlohmann::json r = region(true, n);
            r["x"] = x(clip, n);
            out << nlohmann::json{{"clip", clip},
                                  {"variant", "original"},
                                  {"t_ms", 100 * n},
                                  {"flames", flames},
                                  {"fire", fire},
                                  {"score", fire ? 0.8 : 0.0},
                                  {"details",
                                   fire ? nlohmann::json::array({r}) : nlohmann::json::array()},
                                  {"events", 0}}
                       .dump()
                << "\n";
        }
}

// Another persistence rule replayed on the detector's flags: the lamp's
// 0.8 s of flags (8 of the 13 frames in the last 1.2 s at most) stay under
// the default 75 % and alarm at 60 %.
TEST(EvalVisionFire, PersistenceReplaysTheDetectorsFlagsUnderAnotherWindow) {
    const std::string trace = dir.path() + "/trace.jsonl";
    write_flags(trace, 22, [](const std::string&, int) { return 10; });
    auto same = gw::test::run({"python3", kPersistence, trace});
    CHECK_EQUAL(0, same.code);
    CHECK(same.out.find("| the detector (its defaults) | 1 / 1 | 1 / 1 |") != std::string::npos);
    CHECK(same.out.find("| 1.2 s, 75%, anywhere | 1 / 1 | 1 / 1 |") != std::string::npos);
    auto looser =
        gw::test::run({"python3", kPersistence, trace, "--persist-frac", "0.6", "--cells"});
    CHECK_EQUAL(0, looser.code);
    CHECK(looser.out.find("| 1.2 s, 60%, anywhere | 1 / 1 | 0 / 1 |") != std::string::npos);
    CHECK(looser.out.find("lamp / original: clean -> alarm at 2.9 s") != std::string::npos);
    CHECK(gw::test::run({"python3", kPersistence, trace, "--persist-frac", "0"}).code != 0);
}

// Flags that hop between two places every frame alarm "anywhere" but not
// when the flames must stay in one place; the fire, which stays, alarms both ways.
TEST(EvalVisionFire, PersistenceInOnePlaceIgnoresFlamesThatHop) {
    const std::string trace = dir.path() + "/hop.jsonl";
    write_flags(trace, 0,
                [](const std::string& clip, int n) { return clip == "lamp" && n % 2 ? 200 : 10; });
    auto anywhere = gw::test::run({"python3", kPersistence, trace});
    CHECK(anywhere.out.find("| 1.2 s, 75%, anywhere | 1 / 1 | 0 / 1 |") != std::string::npos);
    auto spot = gw::test::run({"python3", kPersistence, trace, "--spot", "20", "--margin", "1"});
    CHECK_EQUAL(0, spot.code);
    CHECK(spot.out.find("| 1.2 s, 75%, in one 20 px cell (margin 1) | 1 / 1 | 1 / 1 |") !=
          std::string::npos);
}
