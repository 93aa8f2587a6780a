// The daemon's side of the vision detectors (VisionRunner): they run on the
// camera's monotonic time, and their events say wall time. A wall clock that
// steps back (NTP after an offline boot) neither stalls a fire alarm nor
// stamps it with the time before the step.
#include "pipeline/vision_runner.hpp"

#include <memory>
#include <random>
#include <vector>

#include "core/clock.hpp"
#include "core/event_id.hpp"
#include "core/log.hpp"
#include "fire/video_fire_settings.hpp"
#include "frame_detector.hpp"
#include "pipeline/frame_keeper.hpp"
#include "pipeline/intake.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "synthetic.hpp"

#include <CppUTest/TestHarness.h>

namespace {

struct Collect final : gw::EventSink {
    std::vector<gw::Event> events;
    void on_event(const gw::Event& e) override { events.push_back(e); }
};

// A detector with a bug: OpenCV throws on every frame it is given.
struct Throwing final : gw::detectors::FrameDetector {
    std::string name = "broken";
    gw::detectors::FrameResult result;
    int frames = 0;
    const gw::detectors::FrameResult& on_frame(const cv::Mat& bgr, int64_t, std::vector<gw::Event>&,
                                               std::vector<gw::detectors::Evidence>&) override {
        ++frames;
        cv::Mat other(bgr.rows + 1, bgr.cols, bgr.type());
        cv::Mat sum = bgr + other;  // sizes differ: cv::Exception
        return result;
    }
    void draw(cv::Mat& bgr) const override {
        cv::Mat(1, 1, CV_8UC3).copyTo(bgr(cv::Rect(-1, 0, 1, 1)));
    }
    const std::string& id() const override { return name; }
    size_t evidence_max_bytes() const override { return 100000; }
};

}  // namespace

// A runner over a real store, its events collected.
TEST_GROUP(VisionRunner) {
    gw::test::TempDir dir;
    gw::SystemClock clock;
    gw::Log log{gw::LogLevel::error};
    std::unique_ptr<gw::Store> store;
    std::unique_ptr<gw::EventIdSource> ids;
    std::unique_ptr<gw::Intake> intake;
    Collect sink;
    std::unique_ptr<gw::VisionRunner> made;
    gw::VisionRunner& runner() {
        return *made;
    }
    void setup() override {
        gw::StoreOptions so;
        so.path = dir.file("store.db");
        auto opened = gw::Store::open(so, clock, log);
        CHECK_TEXT(opened.ok(), opened.ok() ? "" : opened.error().c_str());
        store = std::move(*opened);
        ids = std::make_unique<gw::EventIdSource>("gw", store->boot());
        intake =
            std::make_unique<gw::Intake>(*store, *ids, gw::contract::Origin{"s", "gw"}, clock, log);
        made = std::make_unique<gw::VisionRunner>(sink, *intake, log);
    }
};

TEST(VisionRunner, AWallClockStepBackNeitherStallsNorMisdatesAFireAlarm) {
    gw::DetectorConfig d;
    d.id = "yard-fire";
    d.kind = "video_fire";
    d.camera = "cam";
    d.settings = std::make_shared<const gw::detectors::VideoFireSettings>();
    gw::CameraConfig cam;
    cam.id = "cam";
    CHECK(runner().build({d}, {cam}, *ids).ok());

    const cv::Mat bg = gw::test::background({320, 240});
    std::mt19937 rng{7};
    const int start = 20;                     // flames from 2 s on (10 fps)
    const int64_t wall0 = 1'800'000'000'000;  // the clock as it booted
    const int64_t step_back = 3'600'000;      // NTP sets it an hour back at 1 s
    auto wall_of = [&](int n) { return wall0 + n * 100 - (n >= 10 ? step_back : 0); };
    for (int n = 0; n < 60; ++n) {
        gw::camera::Frame f;
        f.camera = "cam";
        f.image = gw::test::fire_frame(bg, n, start, rng);
        f.t_ms = wall_of(n);
        f.mono_ms = 5'000 + n * 100;
        f.seq = static_cast<uint64_t>(n + 1);
        runner().on_frame(f);
    }
    const gw::Event* raise = nullptr;
    for (const auto& e : sink.events)
        if (e.type == "video_flame" && e.state == gw::EventState::raise) raise = &e;
    CHECK_TEXT(raise != nullptr, "no fire alarm after the clock stepped back");
    // Within 2 s of the flames, dated by the wall clock after the step.
    CHECK(raise->t_ms >= wall_of(start));
    CHECK(raise->t_ms <= wall_of(start + 20));
}

// A detector that throws must not end the camera's thread (and with it the
// gateway): it skips that frame, and the camera's other detectors go on.
TEST(VisionRunner, ADetectorThatThrowsEndsNothing) {
    auto broken = std::make_unique<Throwing>();
    Throwing* seen = broken.get();
    runner().add("cam", std::move(broken));
    gw::DetectorConfig d;
    d.id = "yard-fire";
    d.kind = "video_fire";
    d.camera = "cam";
    d.settings = std::make_shared<const gw::detectors::VideoFireSettings>();
    CHECK(runner().build({d}, {}, *ids).ok());

    const cv::Mat bg = gw::test::background({320, 240});
    std::mt19937 rng{7};
    for (int n = 0; n < 60; ++n) {
        gw::camera::Frame f;
        f.camera = "cam";
        f.image = gw::test::fire_frame(bg, n, 20, rng);
        f.t_ms = 1'800'000'000'000 + n * 100;
        f.mono_ms = 5'000 + n * 100;
        f.seq = static_cast<uint64_t>(n + 1);
        runner().on_frame(f);
    }
    LONGS_EQUAL(60, seen->frames);
    bool raised = false;
    for (const auto& e : sink.events) raised = raised || e.type == "video_flame";
    CHECK_TEXT(raised, "the camera's other detector stopped with the broken one");
    gw::FrameKeeper frames;
    gw::camera::Frame last;
    last.camera = "cam";
    last.image = bg.clone();
    frames.on_frame(last);
    auto snap = runner().snapshot("cam", frames);
    CHECK_FALSE(snap.ok());
    CHECK(snap.error().find("overlay") != std::string::npos);
}
