#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "synthetic.hpp"

#include <CppUTest/TestHarness.h>

namespace {

std::vector<nlohmann::json> lines(const std::string& out) {
    std::vector<nlohmann::json> v;
    size_t start = 0;
    while (start < out.size()) {
        size_t end = out.find('\n', start);
        if (end == std::string::npos) end = out.size();
        if (end > start) v.push_back(nlohmann::json::parse(out.substr(start, end - start)));
        start = end + 1;
    }
    return v;
}

}  // namespace

TEST_GROUP(AnalyzeCli) {
    gw::test::TempDir dir;
};

TEST(AnalyzeCli, FireOnAGeneratedVideoPrintsFramesEventsAndSnapshots) {
    std::string video = dir.path() + "/fire.avi";
    {
        cv::VideoWriter w(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {320, 240});
        CHECK(w.isOpened());
        cv::Mat bg = gw::test::background({320, 240});
        std::mt19937 rng(3);
        for (int n = 0; n < 50; ++n) w.write(gw::test::fire_frame(bg, n, 10, rng));
    }
    std::string shots = dir.path() + "/shots";
    // repeat_s = 0: this flame is a new random drawing every frame (white
    // noise in time, unlike any real flame), which the repeat test may take
    // for a cycle now and then; the physics is tested in vision_test.cpp.
    auto r = gw::test::run({GW_GATEWAYCTL, "analyze", video, "--detector", "fire", "--every", "5",
                            "--json", "--snapshot-dir", shots, "--set", "repeat_s=0"});
    CHECK_EQUAL(0, r.code);
    auto out = lines(r.out);
    std::vector<long> frames;
    const nlohmann::json* raise = nullptr;
    for (const auto& j : out) {
        if (j.contains("event")) {
            if (j["event"] == "raise" && !raise) raise = &j;
        } else {
            frames.push_back(j["frame"].get<long>());
            CHECK(j.contains("fire") && j.contains("score"));
        }
    }
    CHECK_EQUAL(10u, frames.size());
    CHECK_EQUAL(0, frames.front());
    CHECK_EQUAL(45, frames.back());
    CHECK(raise != nullptr);
    STRCMP_EQUAL("alarm", (*raise)["severity"].get<std::string>().c_str());
    CHECK((*raise)["frame"].get<long>() >= 10);
    CHECK((*raise)["frame"].get<long>() <= 30);
    CHECK(std::filesystem::exists((*raise)["snapshot"].get<std::string>()));
}

TEST(AnalyzeCli, CrowdOnOpenCvsVtestCountsTheWalkers) {
    if (!std::filesystem::exists(GW_OPENCV_VTEST))
        FAIL("vtest.avi missing: run tools/setup (opencv-doc)");
    auto r = gw::test::run({GW_GATEWAYCTL, "analyze", GW_OPENCV_VTEST, "--detector", "crowd",
                            "--frames", "41", "--every", "20", "--json"},
                           120000);
    CHECK_EQUAL(0, r.code);
    auto out = lines(r.out);
    CHECK_EQUAL(3u, out.size());
    // Frame 0: still learning the background, so no count at all (3 people
    // are in view; a count from the unlearnt background would be a guess).
    CHECK_FALSE(out.front()["ready"].get<bool>());
    CHECK(out.front()["count"].is_null());
    CHECK(out.front()["density"].is_null());
    // Frame 40 shows 6 people (tools/vision-eval/vtest_counts.csv).
    CHECK(out.back()["ready"].get<bool>());
    CHECK_EQUAL(40, out.back()["frame"].get<long>());
    CHECK(std::abs(out.back()["count"].get<double>() - 6) <= 1.5);
}

TEST(AnalyzeCli, BadInputIsAUsageError) {
    auto missing = gw::test::run({GW_GATEWAYCTL, "analyze", dir.path() + "/none.avi"});
    CHECK_EQUAL(2, missing.code);
    STRCMP_CONTAINS("cannot open video", missing.err.c_str());
    auto odd = gw::test::run({GW_GATEWAYCTL, "analyze", GW_OPENCV_VTEST, "--roi", "1,2,3"});
    CHECK_EQUAL(2, odd.code);
    STRCMP_CONTAINS("roi", odd.err.c_str());
}
