// The example site end to end: the shipped incident scenario served by
// sitesim, the example config's devices, points and sensor detectors, a real
// broker. The center must see telemetry and the flood and fire incidents.
#include <signal.h>

#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/subscriber.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

// The example config pointed at this test's sitesim, broker and directory;
// cameras are left out (vision has its own tests).
std::string site_config(const std::string& dir, int modbus_port, const std::string& broker) {
    std::string text = gw::test::read_file(std::string(GW_SOURCE_DIR) +
                                           "/firmware/base/config/gateway.example.toml");
    text =
        std::regex_replace(text, std::regex("data_dir = \"[^\"]*\""), "data_dir = \"" + dir + "\"");
    text = std::regex_replace(text, std::regex("socket = \"[^\"]*\""),
                              "socket = \"" + dir + "/ctl.sock\"");
    text = std::regex_replace(text, std::regex("port = 1502"),
                              "port = " + std::to_string(modbus_port));
    text = std::regex_replace(text, std::regex("brokers = \\[[^\\]]*\\]"),
                              "brokers = [\"" + broker + "\"]");
    auto cams = text.find("[[cameras]]");
    auto dets = text.find("# --- Detectors");
    text.erase(cams, dets - cams);
    // Drop the vision detectors (they need the camera).
    auto crowd = text.find("[[detectors]]\nid = \"crowd-plaza\"");
    if (crowd != std::string::npos) text.erase(crowd);
    return text;
}

}  // namespace

TEST_GROUP(Site){};

TEST(Site, IncidentScenarioReachesTheCenter) {
    gw::test::TempDir dir;
    gw::test::Mosquitto broker(dir.path(), "broker");
    broker.start();
    const int modbus_port = gw::test::free_port();
    gw::test::Process sim(
        {GW_SITESIM, "--scenario",
         std::string(GW_SOURCE_DIR) + "/tools/sitesim/scenarios/site-incident.csv", "--tcp",
         std::to_string(modbus_port), "--speed", "10"},
        dir.path(), "sitesim");
    CHECK_TEXT(sim.wait_for_output("sitesim: ready", 10000), sim.err().c_str());
    gw::test::Subscriber center(broker.uri(), "center", "city/#");
    CHECK(center.ready(10000));

    std::string cfg = dir.write("gw.toml", site_config(dir.path(), modbus_port, broker.uri()));
    gw::test::Process gw({GW_GATEWAYD, "--config", cfg}, dir.path(), "gatewayd");
    CHECK_TEXT(gw.wait_for_output("msg=ready", 15000), gw.err().c_str());

    // Water passes 15 cm about 9 s in (scenario at 10x), then the raise hold.
    bool flood = center.wait_until(
        [](const auto& m) { return has_event(m, "water_depth", "raise"); }, 90000);
    CHECK_TEXT(flood, gw.err().c_str());
    bool telemetry = center.wait_until(
        [](const auto& m) {
            for (const auto& x : m)
                if (x.topic == "city/site-001/gw-01/telemetry") return true;
            return false;
        },
        5000);
    CHECK(telemetry);
    bool online = center.wait_until(
        [](const auto& m) {
            for (const auto& x : m)
                if (x.topic == "city/site-001/gw-01/status" &&
                    x.payload.find("\"online\":true") != std::string::npos)
                    return true;
            return false;
        },
        5000);
    CHECK(online);
    gw.signal(SIGTERM);
    auto code = gw.wait(5000);
    CHECK(code.has_value());
    LONGS_EQUAL(0, *code);
}
