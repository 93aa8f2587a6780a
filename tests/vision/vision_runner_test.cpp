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

}  // namespace

TEST_GROUP(VisionRunner){};

TEST(VisionRunner, AWallClockStepBackNeitherStallsNorMisdatesAFireAlarm) {
    gw::test::TempDir dir;
    gw::SystemClock clock;
    gw::Log log(gw::LogLevel::error);
    gw::StoreOptions so;
    so.path = dir.file("store.db");
    auto store = gw::Store::open(so, clock, log);
    CHECK_TEXT(store.ok(), store.ok() ? "" : store.error().c_str());
    gw::EventIdSource ids("gw", (*store)->boot());
    gw::Intake intake(**store, ids, {"s", "gw"}, clock, log);
    Collect sink;
    gw::VisionRunner runner(sink, intake, log);
    gw::DetectorConfig d;
    d.id = "yard-fire";
    d.kind = "video_fire";
    d.camera = "cam";
    d.settings = std::make_shared<const gw::detectors::VideoFireSettings>();
    gw::CameraConfig cam;
    cam.id = "cam";
    CHECK(runner.build({d}, {cam}, ids).ok());

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
        runner.on_frame(f);
    }
    const gw::Event* raise = nullptr;
    for (const auto& e : sink.events)
        if (e.type == "video_flame" && e.state == gw::EventState::raise) raise = &e;
    CHECK_TEXT(raise != nullptr, "no fire alarm after the clock stepped back");
    // Within 2 s of the flames, dated by the wall clock after the step.
    CHECK(raise->t_ms >= wall_of(start));
    CHECK(raise->t_ms <= wall_of(start + 20));
}
