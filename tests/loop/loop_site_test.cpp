// The closed loop in a running gatewayd against a real mosquitto and the site
// simulator: an unacknowledged alarm is re-sent and escalated until acked
// (and gatewayctl events --active says so); an alarm named in
// [[emergency.auto]] enters emergency mode; emergency mode set on the control
// socket multiplies the poll rate sitesim measures, survives a restart and
// falls back to normal at its end.
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "control/control_client.hpp"
#include "sim_server.hpp"
#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/subscriber.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

using nlohmann::json;
constexpr int kSlave = 1;

std::string config_text(const std::string& dir, int modbus_port, const std::string& broker,
                        const std::string& extra) {
    return "[gateway]\ndistrict = \"d\"\nsite = \"site-9\"\nid = \"gw-9\"\ndata_dir = \"" + dir +
           "\"\nlog_level = \"info\"\n"
           "[uplink]\nbrokers = [\"" +
           broker +
           "\"]\nreconnect_min_ms = 100\nreconnect_max_ms = 1000\n"
           "[control]\nsocket = \"" +
           dir +
           "/ctl.sock\"\n"
           "[[devices]]\nid = \"gauge\"\nhost = \"127.0.0.1\"\nport = " +
           std::to_string(modbus_port) +
           "\nslave = 1\ntimeout_ms = 500\nretries = 0\npoll_ms = 2000\npoll_ms_emergency = 100\n"
           "[[points]]\nid = \"water_depth\"\ndevice = \"gauge\"\naddress = 0\nscale = 0.1\n"
           "unit = \"cm\"\n"
           "[[points]]\nid = \"rain_count\"\ndevice = \"gauge\"\naddress = 1\n"
           "[[detectors]]\nid = \"flood-1\"\nkind = \"flood\"\n"
           "inputs = { depth = \"water_depth\", rain_counter = \"rain_count\" }\n" +
           extra;
}

// sitesim's own site: slave 1 with a dry gauge, counting what it is asked.
struct Site {
    gw::test::TempDir dir;
    gw::test::Mosquitto broker{dir.path(), "broker"};
    std::unique_ptr<gw::sitesim::Simulator> sim;
    int modbus_port = gw::test::free_port();
    std::unique_ptr<gw::test::Subscriber> center;
    std::unique_ptr<gw::test::Process> gw;
    std::string cfg;
    int starts = 0;

    explicit Site(const std::string& extra) {
        broker.start();
        auto scenario = gw::sitesim::parse_scenario(
            "t_s,slave,table,address,value\n0,1,holding_register,0,50\n0,1,holding_register,1,0\n",
            "dry");
        CHECK_TEXT(scenario.ok(), scenario.ok() ? "" : scenario.error().c_str());
        sim = std::make_unique<gw::sitesim::Simulator>(*scenario, gw::sitesim::SimOptions{});
        auto s = sim->start_tcp("127.0.0.1", modbus_port);
        CHECK_TEXT(s.ok(), s.ok() ? "" : s.error().c_str());
        center = std::make_unique<gw::test::Subscriber>(broker.uri(), "center", "city/#");
        CHECK(center->ready(10000));
        cfg = dir.write("gw.toml", config_text(dir.path(), modbus_port, broker.uri(), extra));
    }
    ~Site() {
        stop();
        sim->stop();
    }
    void start() {
        gw = std::make_unique<gw::test::Process>(
            std::vector<std::string>{GW_GATEWAYD, "--config", cfg}, dir.path(),
            "gatewayd" + std::to_string(++starts));
        CHECK_TEXT(gw->wait_for_output("msg=ready", 30000), gw->err().c_str());
    }
    void stop() {
        if (!gw) return;
        gw->signal(SIGTERM);
        auto code = gw->wait(15000);
        CHECK(code.has_value());
        gw.reset();
    }
    json control(const json& request) {
        gw::ControlClient client(dir.path() + "/ctl.sock", 15000);
        auto r = client.call(request);
        CHECK_TEXT(r.ok(), r.ok() ? "" : r.error().c_str());
        return r.ok() ? *r : json();
    }
    // The error of a request the daemon must refuse ("" if it did not).
    std::string refusal(const json& request) {
        gw::ControlClient client(dir.path() + "/ctl.sock", 15000);
        auto r = client.call(request);
        return r.ok() ? std::string() : r.error();
    }
    uint64_t requests() {
        auto stats = sim->stats();
        return stats.count(kSlave) ? stats[kSlave].requests : 0;
    }
    // Requests sitesim answered over `ms` of wall time.
    uint64_t requests_in(int ms) {
        const uint64_t before = requests();
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        return requests() - before;
    }
    std::vector<json> events() const {
        std::vector<json> out;
        for (const auto& m : center->messages()) {
            if (m.topic != "city/site-9/gw-9/event") continue;
            auto j = json::parse(m.payload, nullptr, false);
            if (!j.is_discarded()) out.push_back(j);
        }
        return out;
    }
    bool wait_event(const std::function<bool(const json&)>& pred, int timeout_ms = 60000) {
        return center->wait_until(
            [&](const std::vector<gw::test::Received>& msgs) {
                for (const auto& m : msgs) {
                    if (m.topic != "city/site-9/gw-9/event") continue;
                    auto j = json::parse(m.payload, nullptr, false);
                    if (!j.is_discarded() && pred(j)) return true;
                }
                return false;
            },
            timeout_ms);
    }
    // The newest retained-or-live status the center saw.
    json last_status() const {
        json last;
        for (const auto& m : center->messages())
            if (m.topic == "city/site-9/gw-9/status") last = json::parse(m.payload, nullptr, false);
        return last;
    }
    bool wait_status(const std::string& mode, int timeout_ms = 30000) {
        return center->wait_until(
            [&](const std::vector<gw::test::Received>& msgs) {
                json last;
                for (const auto& m : msgs)
                    if (m.topic == "city/site-9/gw-9/status")
                        last = json::parse(m.payload, nullptr, false);
                return last.is_object() && last.value("online", false) &&
                       last.value("mode", std::string()) == mode;
            },
            timeout_ms);
    }
};

json alarm(const std::string& severity = "alarm") {
    return {{"cmd", "inject"},      {"detector", "flood-1"},
            {"kind", "flood"},      {"type", "water_depth"},
            {"severity", severity}, {"value", 31.5},
            {"unit", "cm"},         {"message", "water depth 31.5 cm"}};
}

}  // namespace

TEST_GROUP(LoopIncidents){};

TEST(LoopIncidents, UnackedAlarmIsResentAndEscalatedUntilAcked) {
    Site site("[incidents]\nrenotify_s = 1\nescalate_after_s = 4\n");
    site.start();
    json raised = site.control(alarm());
    const std::string incident = raised.value("id", std::string());
    CHECK(!incident.empty());

    // Re-sent as updates of the same incident, counting, each with its own id.
    CHECK_TEXT(site.wait_event([&](const json& e) {
        return e.value("incident", "") == incident && e.value("renotify", 0) >= 2;
    }),
               site.gw->err().c_str());
    // Escalated once, one step up.
    CHECK_TEXT(site.wait_event([&](const json& e) {
        return e.value("incident", "") == incident && e.value("escalated", false) &&
               e.value("severity", "") == "critical" && e.value("state", "") == "update";
    }),
               site.gw->err().c_str());
    int escalations = 0;
    for (const auto& e : site.events())
        if (e.value("incident", "") == incident && e.value("escalated", false) &&
            !e.contains("renotify"))
            ++escalations;
    LONGS_EQUAL(1, escalations);

    // gatewayctl events --active: not acknowledged yet.
    auto before = gw::test::run(
        {GW_GATEWAYCTL, "events", "--active", "--socket", site.dir.path() + "/ctl.sock"});
    STRCMP_CONTAINS("unacked, re-sent", before.out.c_str());
    STRCMP_CONTAINS("escalated", before.out.c_str());

    // Acknowledged by the id of one of its re-sent updates, with a note
    // of 377 characters in 1,097 bytes: the limit counts characters, as
    // the command's schema does.
    std::string note = "crew dispatched: ";
    for (int i = 0; i < 60; ++i) note += "消防队已派出";
    std::string resent_id;
    for (const auto& e : site.events())
        if (e.value("incident", "") == incident && e.contains("renotify")) resent_id = e["id"];
    json ack =
        site.control({{"cmd", "ack"}, {"incident", resent_id}, {"by", "ops 7"}, {"note", note}});
    CHECK(ack.value("ok", false));
    STRCMP_EQUAL(incident.c_str(), ack.value("incident", "").c_str());
    CHECK_TEXT(site.wait_event([&](const json& e) {
        return e.value("incident", "") == incident && e.value("acked_by", "") == "ops 7" &&
               e.value("ack_note", "") == note;
    }),
               site.gw->err().c_str());
    json again = site.control({{"cmd", "ack"}, {"incident", incident}, {"by", "ops 8"}});
    CHECK(again.value("ok", false));
    CHECK(again.value("already", false));
    CHECK(again["event"].is_null());
    STRCMP_CONTAINS(
        "no open incident",
        site.refusal({{"cmd", "ack"}, {"incident", "gw-9-1-99999"}, {"by", "ops"}}).c_str());

    auto after = gw::test::run(
        {GW_GATEWAYCTL, "events", "--active", "--socket", site.dir.path() + "/ctl.sock"});
    STRCMP_CONTAINS("acked by ops 7", after.out.c_str());

    // No more re-sends: several re-notify intervals later, a marker event
    // arrives with nothing re-sent in between.
    std::this_thread::sleep_for(std::chrono::seconds(4));
    json marker = site.control({{"cmd", "inject"}, {"type", "marker"}});
    const std::string marker_id = marker.value("id", std::string());
    CHECK(site.wait_event([&](const json& e) { return e.value("id", "") == marker_id; }));
    bool acked_seen = false;
    int resent_after_ack = 0;
    for (const auto& e : site.events()) {
        if (e.value("incident", "") != incident) continue;
        if (e.contains("acked_by")) acked_seen = true;
        if (acked_seen && e.contains("renotify")) ++resent_after_ack;
    }
    CHECK(acked_seen);
    LONGS_EQUAL(0, resent_after_ack);

    // A clear closes it; an ack of it is refused.
    site.control({{"cmd", "inject"},
                  {"detector", "flood-1"},
                  {"kind", "flood"},
                  {"type", "water_depth"},
                  {"severity", "info"},
                  {"state", "clear"},
                  {"incident", incident}});
    STRCMP_CONTAINS("closed",
                    site.refusal({{"cmd", "ack"}, {"incident", incident}, {"by", "ops"}}).c_str());
}

TEST(LoopIncidents, ConfiguredAlarmEntersEmergencyMode) {
    Site site(
        "[[emergency.auto]]\ndetector = \"flood-1\"\ntype = \"water_depth\"\n"
        "duration_s = 600\n");
    site.start();
    CHECK(site.wait_status("normal"));
    site.control(alarm("warning"));
    CHECK(site.control({{"cmd", "mode"}}).value("mode", "") == "normal");
    site.control(alarm());
    CHECK_TEXT(site.wait_event([](const json& e) {
        return e.value("type", "") == "mode_changed" &&
               e["details"].value("to", "") == "emergency" &&
               e["details"].value("source", "") == "auto:flood-1/water_depth";
    }),
               site.gw->err().c_str());
    CHECK(site.wait_status("emergency"));
    json status = site.last_status();
    CHECK(status["mode_until"].is_number_integer());
}

// The center sets the site back to normal while the alarm is open: the
// gateway's own re-sends and the update that answers the center's ack are
// not new alarms, so they leave the mode alone (each of them used to switch
// the site into emergency again).
TEST(LoopIncidents, ReSendsAndAcksOfAnOpenAlarmDoNotEnterEmergencyAgain) {
    Site site(
        "[[emergency.auto]]\ndetector = \"flood-1\"\ntype = \"water_depth\"\n"
        "duration_s = 600\n[incidents]\nrenotify_s = 1\n");
    site.start();
    const std::string incident = site.control(alarm()).value("id", std::string());
    CHECK(site.wait_status("emergency"));
    site.control({{"cmd", "mode"}, {"mode", "normal"}});
    CHECK(site.wait_status("normal"));
    int resent = 0;  // re-sends so far: the next two come in normal mode
    for (const auto& e : site.events())
        if (e.value("incident", "") == incident) resent = std::max(resent, e.value("renotify", 0));
    CHECK_TEXT(site.wait_event([&](const json& e) {
        return e.value("incident", "") == incident && e.value("renotify", 0) >= resent + 2;
    }),
               site.gw->err().c_str());
    site.control({{"cmd", "ack"}, {"incident", incident}, {"by", "ops"}});
    CHECK(site.wait_event([&](const json& e) {
        return e.value("incident", "") == incident && e.value("acked_by", "") == "ops";
    }));
    // A switch it caused would be stored with the ack's update: give the
    // center a moment to receive it, then count.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    int entered = 0;
    for (const auto& e : site.events())
        if (e.value("type", "") == "mode_changed" && e["details"].value("to", "") == "emergency")
            ++entered;
    LONGS_EQUAL(1, entered);
    CHECK(site.control({{"cmd", "mode"}}).value("mode", "") == "normal");
}

TEST_GROUP(LoopMode){};

TEST(LoopMode, EmergencyPollsFasterSurvivesARestartAndEnds) {
    Site site("");
    site.start();
    CHECK(site.wait_status("normal"));
    // Polling has begun (the first poll is due at once).
    for (int i = 0; i < 100 && site.requests() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const uint64_t normal = site.requests_in(4000);  // poll_ms 2000: about 2

    json set = site.control({{"cmd", "mode"}, {"mode", "emergency"}, {"duration_s", 45}});
    CHECK(set.value("ok", false));
    STRCMP_EQUAL("emergency", set.value("mode", "").c_str());
    CHECK(set["until"].is_number_integer());
    CHECK(site.wait_status("emergency"));
    CHECK(site.wait_event([](const json& e) {
        return e.value("type", "") == "mode_changed" && e["details"].value("to", "") == "emergency";
    }));
    const uint64_t emergency = site.requests_in(4000);  // poll_ms_emergency 100: about 40
    CHECK_TEXT(
        emergency > 3 * normal + 3,
        ("normal " + std::to_string(normal) + ", emergency " + std::to_string(emergency)).c_str());

    // A restart keeps it (the config says nothing of emergency).
    site.stop();
    site.start();
    json mode = site.control({{"cmd", "mode"}});
    STRCMP_EQUAL("emergency", mode.value("mode", "").c_str());
    auto status_out =
        gw::test::run({GW_GATEWAYCTL, "status", "--socket", site.dir.path() + "/ctl.sock"});
    STRCMP_CONTAINS("emergency until", status_out.out.c_str());
    const uint64_t restarted = site.requests_in(4000);
    CHECK_TEXT(restarted > 3 * normal + 3,
               ("normal " + std::to_string(normal) + ", after restart " + std::to_string(restarted))
                   .c_str());

    // At its end: back to normal, announced, and polled at the normal rate.
    CHECK_TEXT(site.wait_event(
                   [](const json& e) {
                       return e.value("type", "") == "mode_changed" &&
                              e["details"].value("to", "") == "normal" &&
                              e["details"].value("source", "") == "expired";
                   },
                   90000),
               site.gw->err().c_str());
    CHECK(site.wait_status("normal"));
    STRCMP_EQUAL("normal", site.control({{"cmd", "mode"}}).value("mode", "").c_str());
    const uint64_t after = site.requests_in(4000);
    CHECK_TEXT(
        after * 3 < emergency,
        ("after " + std::to_string(after) + ", emergency " + std::to_string(emergency)).c_str());
}

namespace {

// The center's side of the command channel, as docs/contract.md shows it:
// mosquitto_pub on cmd/{name}, the reply read from reply/{name}. A command
// published before the gateway's first subscribe is dropped by the broker,
// so the request is re-sent with the same id until it is answered; that is
// safe because a repeated id is never executed twice.
json center_command(Site& site, const std::string& name, const json& request) {
    const std::string id = request.at("id");
    auto answered = [&](const std::vector<gw::test::Received>& msgs) -> json {
        for (const auto& m : msgs) {
            if (m.topic != "city/site-9/gw-9/reply/" + name) continue;
            auto j = json::parse(m.payload, nullptr, false);
            if (!j.is_discarded() && j.value("id", "") == id) return j;
        }
        return json();
    };
    for (int attempt = 0; attempt < 30; ++attempt) {
        auto pub = gw::test::run({"mosquitto_pub", "-h", "127.0.0.1", "-p",
                                  std::to_string(site.broker.port()), "-q", "1", "-i", "center-pub",
                                  "-t", "city/site-9/gw-9/cmd/" + name, "-m", request.dump()});
        CHECK_EQUAL_TEXT(0, pub.code, pub.err.c_str());
        if (site.center->wait_until([&](auto& msgs) { return !answered(msgs).is_null(); }, 2000))
            return answered(site.center->messages());
    }
    FAIL(("no reply to cmd/" + name + " " + id).c_str());
    return json();
}

}  // namespace

TEST_GROUP(LoopCenter){};

// What the district center does: acknowledge an alarm and switch the site to
// emergency mode over MQTT; both take effect in the running gateway.
TEST(LoopCenter, AckAndModeOverMqttTakeEffect) {
    Site site("[incidents]\nrenotify_s = 1\n");
    site.start();
    CHECK(site.wait_status("normal"));
    for (int i = 0; i < 100 && site.requests() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const uint64_t normal = site.requests_in(4000);

    const std::string incident = site.control(alarm()).value("id", std::string());
    CHECK(!incident.empty());
    json ack = center_command(site, "ack",
                              {{"id", "ack-1"}, {"incident", incident}, {"by", "center ops"}});
    CHECK_TEXT(ack.value("ok", false), ack.dump().c_str());
    STRCMP_EQUAL(incident.c_str(), ack["result"].value("incident", "").c_str());
    CHECK_TEXT(site.wait_event([&](const json& e) {
        return e.value("incident", "") == incident && e.value("acked_by", "") == "center ops";
    }),
               site.gw->err().c_str());
    auto active = gw::test::run(
        {GW_GATEWAYCTL, "events", "--active", "--socket", site.dir.path() + "/ctl.sock"});
    STRCMP_CONTAINS("acked by center ops", active.out.c_str());

    json unknown = center_command(
        site, "ack", {{"id", "ack-2"}, {"incident", "gw-9-1-99999"}, {"by", "center ops"}});
    CHECK_FALSE(unknown.value("ok", true));
    STRCMP_CONTAINS("no open incident", unknown.value("error", "").c_str());

    json mode = center_command(site, "mode",
                               {{"id", "mode-1"}, {"mode", "emergency"}, {"duration_s", 600}});
    CHECK_TEXT(mode.value("ok", false), mode.dump().c_str());
    STRCMP_EQUAL("command:mode-1", mode["result"].value("source", "").c_str());
    CHECK(site.wait_status("emergency"));
    CHECK(site.wait_event([](const json& e) {
        return e.value("type", "") == "mode_changed" &&
               e["details"].value("source", "") == "command:mode-1";
    }));
    const uint64_t emergency = site.requests_in(4000);
    CHECK_TEXT(
        emergency > 3 * normal + 3,
        ("normal " + std::to_string(normal) + ", emergency " + std::to_string(emergency)).c_str());

    json back = center_command(site, "mode", {{"id", "mode-2"}, {"mode", "normal"}});
    CHECK_TEXT(back.value("ok", false), back.dump().c_str());
    CHECK(site.wait_status("normal"));
}
