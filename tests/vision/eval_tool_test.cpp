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
