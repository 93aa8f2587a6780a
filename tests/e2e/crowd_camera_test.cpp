// A crowd camera through the daemon across a reconnect: the camera's stream
// goes away and comes back showing a different view (moved, relit). The
// detector must learn the new background before it counts again: no count
// from a stale background (the whole view "moving") may reach the center,
// and people who then walk in are counted and alarmed on as usual.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "control/control_client.hpp"
#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/subscriber.hpp"
#include "support/temp_dir.hpp"
#include "vision/synthetic.hpp"

#include <CppUTest/TestHarness.h>

namespace {

constexpr int kPersonH = 60;
constexpr int kLimit = 3;       // occupancy alarm at 3 people
constexpr int kWalkersB = 5;    // walk in after the reconnect
constexpr double kMaxTrue = 6;  // no honest count is above the walkers plus one

// `frames` frames of a 10 fps scene: `people` walkers on `bg` from frame `from`.
void write_video(const std::string& path, const cv::Mat& bg, int frames, int people, int from) {
    cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, bg.size());
    CHECK(w.isOpened());
    for (int n = 0; n < frames; ++n)
        w.write(n >= from ? gw::test::crowd_frame(bg, n, people, kPersonH) : bg);
}

std::string config(const std::string& dir, const std::string& broker, const std::string& video) {
    return R"([gateway]
district = "d1"
site = "site-4"
id = "gw-crowd"
data_dir = ")" +
           dir + R"("

[uplink]
brokers = [")" +
           broker + R"("]

[control]
socket = ")" +
           dir + R"(/ctl.sock"

[[cameras]]
id = "cam-gate"
url = ")" + video +
           R"("
fps = 10
reconnect_max_ms = 1000

[[detectors]]
id = "gate-crowd"
kind = "crowd"
camera = "cam-gate"
[detectors.params]
occupancy_limit = )" +
           std::to_string(kLimit) + R"(
person_height_px = [60, 60]
hog = false
hold_s = 1
smooth_s = 0.5
)";
}

// The camera's counter `name` (gatewayctl devices), 0 while the daemon does not answer.
uint64_t camera_counter(const std::string& socket, const std::string& name) {
    gw::ControlClient client(socket, 2000);
    auto reply = client.call({{"cmd", "devices"}, {"id", "cam-gate"}});
    if (!reply || !(*reply).contains("devices") || (*reply)["devices"].empty()) return 0;
    return (*reply)["devices"][0].value(name, uint64_t(0));
}

bool wait_counter(const std::string& socket, const std::string& name, uint64_t at_least) {
    for (int i = 0; i < 600; ++i) {
        if (camera_counter(socket, name) >= at_least) return true;
        usleep(100 * 1000);
    }
    return false;
}

}  // namespace

TEST_GROUP(CrowdCamera){};

TEST(CrowdCamera, AfterAReconnectToAChangedViewNoStaleCountReachesTheCenter) {
    gw::test::TempDir dir;
    gw::test::Mosquitto broker(dir.path(), "broker");
    broker.start();
    gw::test::Subscriber center(broker.uri(), "center", "city/#");
    CHECK(center.ready(10000));

    // View A: one person walking (below the limit), 8 s, looped by the camera.
    const std::string video = dir.file("gate.avi");
    cv::Mat view_a = gw::test::background({320, 240});
    write_video(video, view_a, 80, 1, 0);
    std::string cfg = dir.write("gw.toml", config(dir.path(), broker.uri(), video));
    gw::test::Process gw({GW_GATEWAYD, "--config", cfg}, dir.path(), "gatewayd");
    CHECK_TEXT(gw.wait_for_output("msg=ready", 15000), gw.err().c_str());

    // The detector has learnt view A (2 s) and counted on it.
    const std::string socket = dir.file("ctl.sock");
    CHECK_TEXT(wait_counter(socket, "frames_delivered", 40), gw.err().c_str());

    // The stream goes away: at the end of the file the camera cannot reopen
    // it, and retries (0.5 s, then 1 s apart).
    std::filesystem::rename(video, video + ".gone");
    CHECK_TEXT(
        center.wait_until([](const auto& m) { return has_event(m, "offline", "raise"); }, 30000),
        gw.err().c_str());
    CHECK_TEXT(wait_counter(socket, "open_failures", 3), gw.err().c_str());
    auto devices = gw::ControlClient(socket, 2000).call({{"cmd", "devices"}, {"id", "cam-gate"}});
    CHECK_TEXT(devices.ok(), devices.ok() ? "" : devices.error().c_str());
    STRCMP_EQUAL("OpenCV cannot open it",
                 (*devices)["devices"][0].value("last_error", std::string("?")).c_str());

    // It comes back showing another view (moved a little, exposed brighter):
    // empty for 4 s, then five people walk in.
    cv::Mat view_b;
    cv::warpAffine(view_a, view_b, cv::Matx23d(1, 0, 10, 0, 1, 6), view_a.size(), cv::INTER_LINEAR,
                   cv::BORDER_REFLECT);
    view_b += cv::Scalar(30, 30, 30);
    write_video(dir.file("b.avi"), view_b, 200, kWalkersB, 40);
    std::filesystem::rename(dir.file("b.avi"), video);
    CHECK_TEXT(
        center.wait_until([](const auto& m) { return has_event(m, "offline", "clear"); }, 30000),
        gw.err().c_str());

    // The five people are counted and raise the occupancy alarm...
    CHECK_TEXT(center.wait_until(
                   [](const auto& m) { return has_event(m, "crowd_density", "raise"); }, 40000),
               gw.err().c_str());
    // ...and no crowd event ever carried a count from the stale background.
    for (const auto& e : gw::test::events_of_type(center.messages(), "crowd_density")) {
        double value = e.value("value", -1.0);
        CHECK_TEXT(value >= 0 && value <= kMaxTrue, e.dump().c_str());
    }
    auto raise = gw::test::events_of_type(center.messages(), "crowd_density").front();
    STRCMP_EQUAL("raise", raise.value("state", "").c_str());
    STRCMP_EQUAL("alarm", raise.value("severity", "").c_str());
    CHECK(raise.value("value", 0.0) >= kLimit);

    gw.signal(SIGTERM);
    auto code = gw.wait(5000);
    CHECK(code.has_value());
    LONGS_EQUAL(0, *code);
}
