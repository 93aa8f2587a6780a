// Cameras through the daemon: a camera playing a (generated) video of a
// flame -> its video_fire detector on the camera's thread -> the store ->
// a real mosquitto. The center must get the fire event and, on the topic the
// event names, its evidence JPEG; a dead camera next to it is reported and
// delays nothing. In emergency mode the open fire gets fresh images.
#include <signal.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "control/control_client.hpp"
#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/subscriber.hpp"
#include "support/temp_dir.hpp"
#include "vision/synthetic.hpp"

#include <CppUTest/TestHarness.h>

namespace {

using gw::test::Received;

// 20 s of a 10 fps scene, flame from 1 s on; the camera loops the file.
std::string write_fire_video(const std::string& dir) {
    std::string path = dir + "/fire.avi";
    cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {320, 240});
    CHECK(w.isOpened());
    cv::Mat bg = gw::test::background({320, 240});
    std::mt19937 rng(5);
    for (int n = 0; n < 200; ++n) w.write(gw::test::fire_frame(bg, n, 10, rng));
    return path;
}

std::string camera_config(const std::string& dir, const std::string& broker,
                          const std::string& video, int dead_port,
                          const std::string& camera_extra = "") {
    return R"([gateway]
district = "d1"
site = "site-9"
id = "gw-cam"
data_dir = ")" +
           dir + R"("

[uplink]
brokers = [")" +
           broker + R"("]

[control]
socket = ")" +
           dir + R"(/ctl.sock"

[[cameras]]
id = "cam-yard"
url = ")" + video +
           R"("
fps = 10
)" + camera_extra +
           R"(
[[cameras]]
id = "cam-dead"
url = "rtsp://127.0.0.1:)" +
           std::to_string(dead_port) + R"(/stream"
fps = 10
reconnect_max_ms = 1000

[[detectors]]
id = "yard-fire"
kind = "video_fire"
camera = "cam-yard"
)";
}

std::optional<nlohmann::json> find_event(const std::vector<Received>& msgs, const std::string& type,
                                         const std::string& state) {
    const std::string suffix = "/event";
    for (const auto& m : msgs) {
        if (m.topic.size() < suffix.size() ||
            m.topic.compare(m.topic.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        auto j = nlohmann::json::parse(m.payload, nullptr, false);
        if (!j.is_discarded() && j.value("type", "") == type && j.value("state", "") == state)
            return j;
    }
    return std::nullopt;
}

const Received* find_topic(const std::vector<Received>& msgs, const std::string& topic) {
    for (const auto& m : msgs)
        if (m.topic == topic) return &m;
    return nullptr;
}

// Base64 (RFC 4648) decoder for the check only: the gateway's encoder is
// under test, so the test does not reuse it.
std::vector<uint8_t> unbase64(const std::string& s) {
    static const std::string abc =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::vector<uint8_t> out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : s) {
        if (c == '=') break;
        auto v = abc.find(c);
        if (v == std::string::npos) return {};
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

}  // namespace

TEST_GROUP(CameraSite){};

TEST(CameraSite, FlameOnCameraReachesTheCenterWithItsEvidenceImage) {
    gw::test::TempDir dir;
    gw::test::Mosquitto broker(dir.path(), "broker");
    broker.start();
    gw::test::Subscriber center(broker.uri(), "center", "city/#");
    CHECK(center.ready(10000));
    const std::string video = write_fire_video(dir.path());
    const int dead_port = gw::test::free_port();  // nothing listens there

    std::string cfg =
        dir.write("gw.toml", camera_config(dir.path(), broker.uri(), video, dead_port));
    gw::test::Process gw({GW_GATEWAYD, "--config", cfg}, dir.path(), "gatewayd");
    CHECK_TEXT(gw.wait_for_output("msg=ready", 15000), gw.err().c_str());

    // The flame shows from 1 s; the alarm needs about 2 s of flicker.
    bool fire = center.wait_until(
        [](const auto& m) { return find_event(m, "video_flame", "raise").has_value(); }, 30000);
    CHECK_TEXT(fire, gw.err().c_str());
    auto raise = *find_event(center.messages(), "video_flame", "raise");
    STRCMP_EQUAL("yard-fire", raise["detector"].get<std::string>().c_str());
    STRCMP_EQUAL("alarm", raise["severity"].get<std::string>().c_str());
    CHECK(raise.contains("evidence"));
    const std::string id = raise["evidence"].get<std::string>();
    STRCMP_EQUAL(raise["id"].get<std::string>().c_str(), id.c_str());

    // The image, on the topic the event names: a JPEG of the camera's frame.
    const std::string topic = "city/site-9/gw-cam/evidence/" + id;
    CHECK(center.wait_until([&](const auto& m) { return find_topic(m, topic) != nullptr; }, 10000));
    auto ev = nlohmann::json::parse(find_topic(center.messages(), topic)->payload);
    STRCMP_EQUAL(id.c_str(), ev["evidence"].get<std::string>().c_str());
    STRCMP_EQUAL("image/jpeg", ev["content_type"].get<std::string>().c_str());
    auto jpeg = unbase64(ev["data"].get<std::string>());
    LONGS_EQUAL(ev["size"].get<long>(), static_cast<long>(jpeg.size()));
    CHECK(jpeg.size() <= 150u * 1024);
    cv::Mat image = cv::imdecode(jpeg, cv::IMREAD_COLOR);
    CHECK(!image.empty());
    LONGS_EQUAL(320, image.cols);
    LONGS_EQUAL(240, image.rows);

    // The dead camera is reported as such, and did not hold the fire back.
    bool offline = center.wait_until(
        [](const auto& m) {
            auto e = find_event(m, "offline", "raise");
            return e && e->value("detector", "").find("cam-dead") != std::string::npos;
        },
        15000);
    CHECK_TEXT(offline, gw.err().c_str());

    gw.signal(SIGTERM);
    auto code = gw.wait(5000);
    CHECK(code.has_value());
    LONGS_EQUAL(0, *code);
}

namespace {

// The fire's updates that carry a fresh image (emergency mode).
std::vector<nlohmann::json> refreshes(const std::vector<Received>& msgs) {
    std::vector<nlohmann::json> out;
    for (const auto& m : msgs) {
        if (m.topic != "city/site-9/gw-cam/event") continue;
        auto j = nlohmann::json::parse(m.payload, nullptr, false);
        if (!j.is_discarded() && j.value("type", "") == "video_flame" &&
            j.value("state", "") == "update" && j["details"].value("evidence_refresh", false))
            out.push_back(j);
    }
    return out;
}

}  // namespace

TEST(CameraSite, EmergencyModeSendsFreshImagesOfAnOpenFire) {
    gw::test::TempDir dir;
    gw::test::Mosquitto broker(dir.path(), "broker");
    broker.start();
    gw::test::Subscriber center(broker.uri(), "center", "city/#");
    CHECK(center.ready(10000));
    const std::string video = write_fire_video(dir.path());
    std::string cfg =
        dir.write("gw.toml", camera_config(dir.path(), broker.uri(), video, gw::test::free_port(),
                                           "evidence_interval_s_emergency = 2\n") +
                                 // Fresh images keep to the detector's cap too.
                                 "[detectors.params]\nevidence_max_kb = 8\n");
    gw::test::Process gw({GW_GATEWAYD, "--config", cfg}, dir.path(), "gatewayd");
    CHECK_TEXT(gw.wait_for_output("msg=ready", 15000), gw.err().c_str());
    CHECK_TEXT(
        center.wait_until(
            [](const auto& m) { return find_event(m, "video_flame", "raise").has_value(); }, 30000),
        gw.err().c_str());
    const std::string incident =
        find_event(center.messages(), "video_flame", "raise")->value("id", "");

    // Normal mode: the raise's image only.
    std::this_thread::sleep_for(std::chrono::seconds(5));
    LONGS_EQUAL(0, refreshes(center.messages()).size());

    gw::ControlClient control(dir.path() + "/ctl.sock", 15000);
    auto set = control.call({{"cmd", "mode"}, {"mode", "emergency"}});
    CHECK_TEXT(set.ok(), set.ok() ? "" : set.error().c_str());
    CHECK_TEXT(center.wait_until([](const auto& m) { return refreshes(m).size() >= 2; }, 30000),
               gw.err().c_str());
    for (const auto& e : refreshes(center.messages())) {
        STRCMP_EQUAL(incident.c_str(), e.value("incident", "").c_str());
        const std::string id = e.value("id", "");
        STRCMP_EQUAL(id.c_str(), e.value("evidence", "").c_str());
        const std::string topic = "city/site-9/gw-cam/evidence/" + id;
        CHECK_TEXT(center.wait_until([&](const auto& m) { return find_topic(m, topic) != nullptr; },
                                     10000),
                   topic.c_str());
        auto ev = nlohmann::json::parse(find_topic(center.messages(), topic)->payload);
        const auto jpeg = unbase64(ev["data"].get<std::string>());
        CHECK_TEXT(jpeg.size() <= 8u * 1024, std::to_string(jpeg.size()).c_str());
        CHECK(!cv::imdecode(jpeg, cv::IMREAD_COLOR).empty());
    }
    gw.signal(SIGTERM);
    CHECK(gw.wait(5000).has_value());
}
