// Commands from the center, end to end: gatewayd as a process, a real
// mosquitto, commands published with mosquitto_pub (as docs/contract.md
// shows), replies read by a subscriber. A command sent while the gateway was
// down runs when it is back; malformed, oversized, unknown-field, unknown,
// replayed, unsigned, wrongly signed and stale commands are refused with a
// reply and change nothing; a reload with an invalid file is refused with
// the loader's lines and the running config kept.
#include <signal.h>
#include <sys/stat.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command/signature.hpp"
#include "daemon_toml.hpp"
#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/subscriber.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw::test;
using nlohmann::json;

namespace {

constexpr int kWaitMs = 60000;
const std::string kBase = "city/s1/gw1";

// As the center publishes a command: the payload as given (an empty one is
// how a retained command is cleared; one with a NUL byte goes from a file).
void publish(const Mosquitto& broker, const std::string& name, const std::string& payload,
             bool retain = false) {
    std::vector<std::string> argv{"mosquitto_pub",
                                  "-h",
                                  "127.0.0.1",
                                  "-p",
                                  std::to_string(broker.port()),
                                  "-q",
                                  "1",
                                  "-i",
                                  "center-pub",
                                  "-t",
                                  kBase + "/cmd/" + name};
    const std::string file = "/tmp/gw-cmd-payload-" + std::to_string(getpid());
    const bool from_file = payload.find('\0') != std::string::npos;
    if (from_file) {
        std::ofstream(file, std::ios::binary) << payload;
        argv.insert(argv.end(), {"-f", file});
    } else if (payload.empty()) {
        argv.push_back("-n");
    } else {
        argv.insert(argv.end(), {"-m", payload});
    }
    if (retain) argv.push_back("-r");
    auto r = run(argv);
    if (from_file) std::remove(file.c_str());
    CHECK_EQUAL_TEXT(0, r.code, r.err.c_str());
}

// Replies on reply/{name} whose id is `id` (null: json(nullptr)).
std::vector<json> replies(const std::vector<Received>& msgs, const std::string& name,
                          const json& id) {
    std::vector<json> out;
    for (const auto& m : msgs) {
        if (m.topic != kBase + "/reply/" + name) continue;
        json j = json::parse(m.payload, nullptr, false);
        if (!j.is_discarded() && j["id"] == id) out.push_back(j);
    }
    return out;
}

// Refusals on reply/{name} of requests claiming `id` that the gateway
// could not take as the center's (signing on, not signed): their id is
// null and their error names the claimed one.
std::vector<json> unvouched_refusals(const std::vector<Received>& msgs, const std::string& name,
                                     const std::string& id) {
    std::vector<json> out;
    for (const auto& r : replies(msgs, name, nullptr))
        if (r.value("error", "").find("request id \"" + id + "\" not signed") != std::string::npos)
            out.push_back(r);
    return out;
}

json wait_reply(const Subscriber& sub, const std::string& name, const json& id, size_t n = 1) {
    // The predicate runs under the subscriber's lock: it reads what it is given.
    bool got = sub.wait_until([&](auto& m) { return replies(m, name, id).size() >= n; }, kWaitMs);
    CHECK_TEXT(got, ("no reply on reply/" + name + " for id " + id.dump()).c_str());
    return got ? replies(sub.messages(), name, id).back() : json();
}

// Events of the selftest's own test event type, published so far.
size_t selftest_events(const Subscriber& sub) {
    size_t n = 0;
    for (const auto& m : sub.messages())
        if (m.topic == kBase + "/event" &&
            m.payload.find("\"type\":\"mqtt_test\"") != std::string::npos)
            ++n;
    return n;
}

struct Gateway {
    std::unique_ptr<Process> proc;
    Gateway(const TempDir& dir, const std::string& cfg, const std::string& name) {
        proc = std::make_unique<Process>(std::vector<std::string>{GW_GATEWAYD, "-c", cfg},
                                         dir.path(), name);
        CHECK_TEXT(proc->wait_for_output("msg=ready", 30000), proc->err().c_str());
    }
};

// A selftest answered (run, or refused when commands are signed): the
// gateway is connected and subscribed. "ready" in its log comes before the
// broker has its session, and a command published before the first
// subscribe is dropped by the broker: try until one answers.
void answered(const Mosquitto& broker, const Subscriber& sub, const std::string& id) {
    for (int i = 0; i < 20; ++i) {
        const std::string try_id = id + "-" + std::to_string(i);
        publish(broker, "selftest", json{{"id", try_id}}.dump());
        if (sub.wait_until(
                [&](auto& m) {
                    return !replies(m, "selftest", try_id).empty() ||
                           !unvouched_refusals(m, "selftest", try_id).empty();
                },
                5000))
            return;
    }
    FAIL(("the gateway never answered a selftest (" + id + ")").c_str());
}

}  // namespace

// Every test: a broker, and the center's subscriber to all the gateway sends.
TEST_GROUP(Commands) {
    TempDir dir;
    Mosquitto broker{dir.path(), "broker"};
    std::unique_ptr<Subscriber> center;
    void setup() override {
        broker.start();
        center = std::make_unique<Subscriber>(broker.uri(), "center", kBase + "/#");
        CHECK(center->ready(10000));
    }
};

TEST(Commands, SentWhileTheGatewayWasDownIsExecutedWhenItReconnects) {
    Subscriber& sub = *center;
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, broker.uri()));
    {
        Gateway gw(dir, cfg, "gatewayd-1");
        answered(broker, sub, "before-1");  // its session and subscription exist
        gw.proc->signal(SIGTERM);
        CHECK(gw.proc->wait(20000).has_value());
    }
    publish(broker, "selftest", R"({"id":"while-down-1"})");
    CHECK(replies(sub.messages(), "selftest", "while-down-1").empty());
    Gateway gw(dir, cfg, "gatewayd-2");
    json r = wait_reply(sub, "selftest", "while-down-1");
    CHECK_TEXT(r.value("ok", false), r.dump().c_str());
    CHECK(r["result"]["checks"].is_array());
    STRCMP_EQUAL("s1", r["site"].get<std::string>().c_str());
}

TEST(Commands, RefusedWithAReplyAndNothingChanges) {
    Subscriber& sub = *center;
    Gateway gw(dir, dir.write("gw.toml", daemon_toml(dir, broker.uri())), "gatewayd");
    answered(broker, sub, "warm-1");
    const size_t tests_before = selftest_events(sub);

    publish(broker, "selftest", "{not json");
    publish(broker, "selftest", json{{"id", "big-1"}, {"pad", std::string(17 * 1024, 'x')}}.dump());
    publish(broker, "selftest", R"({"id":"uf-1","extra":1})");
    publish(broker, "selftest", R"({"id":"bad id with spaces"})");
    publish(broker, "launch", R"({"id":"unk-1"})");
    publish(broker, "snapshot", R"({"id":"cam-1","camera":"nowhere"})");
    // The JSON parser stops at a NUL: what follows must not go unseen.
    publish(broker, "selftest", std::string(R"({"id":"nul-1"})") + '\0' + "garbage");
    // What the schema cannot say: a duration only goes with emergency.
    publish(broker, "mode", R"({"id":"md-1","mode":"normal","duration_s":600})");
    // Clearing a retained command (an empty retained message) is no command.
    publish(broker, "selftest", "", true);

    // Unreadable or unusable id: the reply says null.
    CHECK(sub.wait_until([&](auto& m) { return replies(m, "selftest", nullptr).size() >= 4; },
                         kWaitMs));
    std::string nulls;
    for (const auto& r : replies(sub.messages(), "selftest", nullptr)) {
        CHECK_FALSE(r["ok"].get<bool>());
        nulls += r["error"].get<std::string>() + "\n";
    }
    STRCMP_CONTAINS("not JSON", nulls.c_str());
    STRCMP_CONTAINS("too big: ", nulls.c_str());
    STRCMP_CONTAINS("$.id: does not match", nulls.c_str());
    STRCMP_CONTAINS("not JSON (a NUL byte)", nulls.c_str());
    json md = wait_reply(sub, "mode", "md-1");
    CHECK_FALSE(md["ok"].get<bool>());
    STRCMP_CONTAINS("invalid request: duration_s: only with mode \"emergency\"",
                    md["error"].get<std::string>().c_str());
    json uf = wait_reply(sub, "selftest", "uf-1");
    CHECK_FALSE(uf["ok"].get<bool>());
    STRCMP_CONTAINS("unknown field extra", uf["error"].get<std::string>().c_str());
    json unk = wait_reply(sub, "launch", "unk-1");
    CHECK_FALSE(unk["ok"].get<bool>());
    STRCMP_CONTAINS("unknown command launch", unk["error"].get<std::string>().c_str());
    json cam = wait_reply(sub, "snapshot", "cam-1");
    CHECK_FALSE(cam["ok"].get<bool>());
    STRCMP_CONTAINS("no camera \"nowhere\"", cam["error"].get<std::string>().c_str());
    // None of them ran a selftest.
    LONGS_EQUAL(tests_before, selftest_events(sub));

    // A refusal does not use up its id: the corrected request runs.
    publish(broker, "selftest", R"({"id":"uf-1"})");
    json fixed = wait_reply(sub, "selftest", "uf-1", 2);
    CHECK_TEXT(fixed.value("ok", false), fixed.dump().c_str());
    LONGS_EQUAL(tests_before + 1, selftest_events(sub));
    publish(broker, "mode", R"({"id":"md-1","mode":"normal"})");
    json md_fixed = wait_reply(sub, "mode", "md-1", 2);
    CHECK_TEXT(md_fixed.value("ok", false), md_fixed.dump().c_str());
    // The empty retained message got no reply: four refusals without an id.
    LONGS_EQUAL(4, replies(sub.messages(), "selftest", nullptr).size());
}

// A retained command is replayed by the broker at every subscribe, days
// later too: it is refused, never run (once its id had left the id cache it
// used to run again, overriding a mode a technician had set since).
TEST(Commands, ARetainedCommandIsRefusedAtEverySubscribeAndNeverRuns) {
    Subscriber& sub = *center;
    publish(broker, "mode", R"({"id":"ret-1","mode":"emergency"})", true);
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, broker.uri()));
    Gateway gw(dir, cfg, "gatewayd");
    json r = wait_reply(sub, "mode", "ret-1");
    CHECK_FALSE(r["ok"].get<bool>());
    STRCMP_CONTAINS("retained on the broker", r["error"].get<std::string>().c_str());
    // A command run as sent and then left retained by its sender: its
    // retained copy gets the first reply again, never a refusal under an id
    // that succeeded, and does not run again.
    publish(broker, "selftest", R"({"id":"live-1"})");
    const json first = wait_reply(sub, "selftest", "live-1");
    CHECK_TEXT(first.value("ok", false), first.dump().c_str());
    const size_t tests = selftest_events(sub);
    publish(broker, "selftest", R"({"id":"live-1"})", true);
    wait_reply(sub, "selftest", "live-1", 2);
    // Again after a restart (a new subscribe), and still not run.
    gw.proc->signal(SIGTERM);
    CHECK(gw.proc->wait(20000).has_value());
    Gateway gw2(dir, cfg, "gatewayd-2");
    wait_reply(sub, "mode", "ret-1", 2);
    wait_reply(sub, "selftest", "live-1", 3);
    // Exactly once per copy: a reply stored after these comes after them
    // (one lane, in order), and none more came before it.
    publish(broker, "ack", R"({"id":"mark-1","incident":"none","by":"test"})");
    wait_reply(sub, "ack", "mark-1");
    LONGS_EQUAL(3, replies(sub.messages(), "selftest", "live-1").size());
    for (const auto& again : replies(sub.messages(), "selftest", "live-1"))
        CHECK_TEXT(again == first, again.dump().c_str());
    LONGS_EQUAL(tests, selftest_events(sub));
    for (const auto& m : sub.messages())
        CHECK_TEXT(m.payload.find("mode_changed") == std::string::npos, m.payload.c_str());
}

// Two gateways with one client id share one persistent session: each then
// receives (and swallows) the other's commands. The gateway cannot stop
// that, but it says so: here another client takes the session over with
// this gateway's client id and subscribes to another gateway's commands.
TEST(Commands, ACommandForAnotherGatewaySaysTheClientIdIsShared) {
    Subscriber& sub = *center;
    Gateway gw(dir, dir.write("gw.toml", daemon_toml(dir, broker.uri())), "gatewayd");
    answered(broker, sub, "warm");
    auto r =
        gw::test::run({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()),
                       "-i", "s1-gw1", "-c", "-q", "1", "-t", "city/s1/other/cmd/+", "-W", "1"});
    (void)r;  // ends by its timeout (-W): the subscription stays in the session
    for (int i = 0; i < 20 && !gw.proc->wait_for_output("another gateway", 500); ++i) {
        auto p = gw::test::run(
            {"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-q", "1",
             "-t", "city/s1/other/cmd/mode", "-m", R"({"id":"theirs","mode":"normal"})"});
        CHECK_EQUAL_TEXT(0, p.code, p.err.c_str());
    }
    CHECK_TEXT(gw.proc->wait_for_output("is uplink.client_id used by another gateway too?", 1000),
               gw.proc->err().c_str());
}

TEST(Commands, ARepeatedIdGetsTheFirstReplyAgainWithoutRunningTwice) {
    Subscriber& sub = *center;
    const std::string cfg = dir.write("gw.toml", daemon_toml(dir, broker.uri()));
    Gateway gw(dir, cfg, "gatewayd");
    answered(broker, sub, "warm");
    publish(broker, "selftest", R"({"id":"rep-1"})");
    wait_reply(sub, "selftest", "rep-1");
    const size_t tests = selftest_events(sub);
    publish(broker, "selftest", R"({"id":"rep-1"})");
    wait_reply(sub, "selftest", "rep-1", 2);
    auto both = replies(sub.messages(), "selftest", "rep-1");
    CHECK(both[0] == both[1]);  // the stored first reply, ts and all
    LONGS_EQUAL(tests, selftest_events(sub));

    // Across a restart too: the id cache is in the store's file.
    gw.proc->signal(SIGTERM);
    CHECK(gw.proc->wait(20000).has_value());
    Gateway gw2(dir, cfg, "gatewayd-2");
    publish(broker, "selftest", R"({"id":"rep-1"})");
    wait_reply(sub, "selftest", "rep-1", 3);
    CHECK(replies(sub.messages(), "selftest", "rep-1")[2] == both[0]);
    LONGS_EQUAL(tests, selftest_events(sub));
}

TEST(Commands, SignedCommandsUnsignedWrongOrStaleAreRefused) {
    Subscriber& sub = *center;
    const std::string secret = "0123456789abcdef-gw1-secret";
    const std::string key = dir.write("command.key", secret + "\n");
    chmod(key.c_str(), 0600);
    // The test host's clock may not count as synced: the policy for that is
    // unit-tested; here the age check itself is.
    Gateway gw(
        dir,
        dir.write("gw.toml", daemon_toml(dir, broker.uri(), "",
                                         "[commands]\nsecret_file = \"" + key +
                                             "\"\nmax_skew_s = 60\nallow_unsynced = true\n")),
        "gatewayd");
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    answered(broker, sub, "warm");  // unsigned, so refused: still an answer
    auto signed_request = [&](const std::string& id, int64_t ts, const std::string& with) {
        json r = {{"id", id}, {"ts", ts}};
        r["sig"] = gw::command::sign(with, "s1/gw1", "selftest", r);
        return r;
    };
    publish(broker, "selftest", R"({"id":"unsigned-1"})");
    publish(broker, "selftest", signed_request("wrong-1", now, "another-secret-of-16+").dump());
    publish(broker, "selftest", signed_request("stale-1", now - 3600 * 1000, secret).dump());
    json tampered = signed_request("tamper-1", now, secret);
    tampered["ts"] = now + 1;
    publish(broker, "selftest", tampered.dump());
    // Signed with the secret but stale: answered under its id. The others
    // were not signed with the secret: their refusals name no id (anyone
    // could send them, naming the id of a command under way).
    STRCMP_CONTAINS("stale",
                    wait_reply(sub, "selftest", "stale-1")["error"].get<std::string>().c_str());
    auto refusal_of = [&](const std::string& id) {
        CHECK_TEXT(
            sub.wait_until([&](auto& m) { return !unvouched_refusals(m, "selftest", id).empty(); },
                           kWaitMs),
            ("no refusal naming " + id).c_str());
        auto r = unvouched_refusals(sub.messages(), "selftest", id);
        return r.empty() ? std::string() : r[0]["error"].get<std::string>();
    };
    STRCMP_CONTAINS("unsigned", refusal_of("unsigned-1").c_str());
    STRCMP_CONTAINS("bad signature", refusal_of("wrong-1").c_str());
    STRCMP_CONTAINS("bad signature", refusal_of("tamper-1").c_str());
    CHECK(replies(sub.messages(), "selftest", "wrong-1").empty());
    LONGS_EQUAL(0, selftest_events(sub));

    const json good = signed_request("good-1", now, secret);
    publish(broker, "selftest", good.dump());
    json r = wait_reply(sub, "selftest", "good-1");
    CHECK_TEXT(r.value("ok", false), r.dump().c_str());
    LONGS_EQUAL(1, selftest_events(sub));
    // Replayed within the window: the first reply, nothing run again.
    publish(broker, "selftest", good.dump());
    wait_reply(sub, "selftest", "good-1", 2);
    CHECK(replies(sub.messages(), "selftest", "good-1")[1] == r);
    LONGS_EQUAL(1, selftest_events(sub));
}

TEST(Commands, ReloadRefusesAnInvalidFileAndAppliesAValidOne) {
    Subscriber& sub = *center;
    const std::string good = daemon_toml(dir, broker.uri());
    const std::string cfg = dir.write("gw.toml", good);
    Gateway gw(dir, cfg, "gatewayd");
    answered(broker, sub, "up-1");

    dir.write("gw.toml", good + "[store]\ncommit_window_ms = \"soon\"\n");
    publish(broker, "reload", R"({"id":"reload-bad"})");
    json bad = wait_reply(sub, "reload", "reload-bad");
    CHECK_FALSE(bad["ok"].get<bool>());
    STRCMP_CONTAINS((cfg + ":").c_str(), bad["error"].get<std::string>().c_str());
    STRCMP_CONTAINS("commit_window_ms", bad["error"].get<std::string>().c_str());
    // The running config is kept: the gateway still answers, no restart.
    answered(broker, sub, "up-2");
    CHECK(gw.proc->running());
    CHECK(gw.proc->err().find("restarting with the new config") == std::string::npos);

    dir.write("gw.toml", good + "# reviewed\n");
    publish(broker, "reload", R"({"id":"reload-good"})");
    json ok = wait_reply(sub, "reload", "reload-good");
    CHECK_TEXT(ok.value("ok", false), ok.dump().c_str());
    CHECK(ok["result"]["changed"].get<bool>());
    CHECK(gw.proc->wait_for_output("restarting with the new config", kWaitMs));
    // Rebuilt in the same process, and answering again.
    answered(broker, sub, "up-3");
    CHECK(gw.proc->running());
}
