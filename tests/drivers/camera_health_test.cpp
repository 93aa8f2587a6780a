#include "camera/camera_health.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <CppUTest/TestHarness.h>

using namespace gw::camera;

namespace {

cv::Mat scene(int shift) {
    cv::Mat m(120, 160, CV_8UC3, cv::Scalar(90, 110, 130));
    cv::rectangle(m, cv::Rect(10 + shift, 30, 40, 40), cv::Scalar(250, 250, 250), -1);
    cv::circle(m, cv::Point(120, 60), 20, cv::Scalar(20, 40, 200), -1);
    return m;
}

HealthSettings settings() {
    HealthSettings s;
    s.frozen_ms = 1000;
    s.covered_ms = 1000;
    return s;
}

}  // namespace

TEST_GROUP(CameraHealth){};

TEST(CameraHealth, MovingSceneRaisesNothing) {
    CameraHealth h(settings());
    for (int i = 0; i < 100; ++i) CHECK(h.update(scene(i % 50), i * 100).empty());
    CHECK_FALSE(h.frozen());
    CHECK_FALSE(h.covered());
}

TEST(CameraHealth, IdenticalFramesForFrozenMsRaiseThenClear) {
    CameraHealth h(settings());
    const cv::Mat still = scene(0);
    for (int t = 0; t < 1000; t += 100) CHECK(h.update(still, t).empty());
    auto raised = h.update(still, 1100);
    LONGS_EQUAL(1, raised.size());
    STRCMP_EQUAL("frozen", raised[0].type.c_str());
    CHECK_TRUE(raised[0].raised);
    CHECK(h.update(still, 1200).empty());  // raised once, not every frame
    // Moving again: cleared once it has moved for clear_ms (3 s).
    for (int t = 1300; t < 4300; t += 100) CHECK(h.update(scene(t / 100), t).empty());
    auto cleared = h.update(scene(43), 4300);
    LONGS_EQUAL(1, cleared.size());
    CHECK_FALSE(cleared[0].raised);
    LONGS_EQUAL(1300, cleared[0].since_ms);
    CHECK_FALSE(h.frozen());
}

// A fault is not cleared by a moment without its condition: one glitched
// frame in a frozen stream, a headlight sweeping a covered lens. Each
// cleared it at once, and it was raised again a frozen_ms later: a pair of
// events every few seconds for as long as it lasted.
TEST(CameraHealth, AMomentWithoutTheConditionDoesNotClearAFault) {
    CameraHealth h(settings());
    const cv::Mat still = scene(0);
    cv::Mat black(120, 160, CV_8UC3, cv::Scalar(3, 3, 3));
    std::vector<HealthChange> all;
    auto feed = [&](const cv::Mat& m, int t) {
        auto c = h.update(m, t);
        all.insert(all.end(), c.begin(), c.end());
    };
    for (int t = 0; t <= 1100; t += 100) feed(still, t);
    LONGS_EQUAL(1, all.size());  // frozen
    for (int t = 1200; t < 20000; t += 100) feed(t % 2000 == 0 ? scene(7) : still, t);
    LONGS_EQUAL(1, all.size());
    CHECK_TRUE(h.frozen());
    // Covered with the stream still frozen: covered is raised and frozen
    // ends with it (within frozen_ms, less than clear_ms here), never both.
    for (int t = 20000; t <= 21100; t += 100) feed(black, t);
    LONGS_EQUAL(3, all.size());
    STRCMP_EQUAL("frozen", all[1].type.c_str());
    CHECK_FALSE(all[1].raised);
    LONGS_EQUAL(20000, all[1].since_ms);  // when the condition went
    STRCMP_EQUAL("covered", all[2].type.c_str());
    CHECK_TRUE(all[2].raised);
    CHECK_FALSE(h.frozen());
    for (int t = 21200; t < 40000; t += 100) feed(t % 2000 == 0 ? scene(t / 100) : black, t);
    LONGS_EQUAL(3, all.size());
    CHECK_TRUE(h.covered());
}

TEST(CameraHealth, BlackOrUniformImageIsCoveredNotFrozen) {
    CameraHealth h(settings());
    cv::Mat black(120, 160, CV_8UC3, cv::Scalar(3, 3, 3));
    std::vector<HealthChange> all;
    for (int t = 0; t <= 1500; t += 100) {
        auto c = h.update(black, t);
        all.insert(all.end(), c.begin(), c.end());
    }
    LONGS_EQUAL(1, all.size());
    STRCMP_EQUAL("covered", all[0].type.c_str());
    CHECK_FALSE(h.frozen());
    cv::Mat grey(120, 160, CV_8UC3, cv::Scalar(128, 128, 128));  // a hand or a bag on the lens
    CameraHealth h2(settings());
    h2.update(grey, 0);
    LONGS_EQUAL(1, h2.update(grey, 1000).size());
}
