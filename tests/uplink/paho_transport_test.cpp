// PahoTransport against a real mosquitto: PUBACK completions, subscriptions
// with a persistent session (what the command channel will use), a lost
// connection, a refused connect.
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/subscriber.hpp"
#include "support/temp_dir.hpp"
#include "uplink/paho_transport.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::test;

namespace {

// Collects what a transport reports, from Paho's thread.
class Probe {
  public:
    uplink::ConnectionHandlers handlers() {
        uplink::ConnectionHandlers h;
        h.connected = done("connect");
        h.lost = [this](const std::string& cause) { record("lost", fail(cause)); };
        h.message = [this](const uplink::InboundMessage& m) {
            std::lock_guard<std::mutex> lock(mutex_);
            messages_.push_back(m);
            cv_.notify_all();
        };
        return h;
    }
    uplink::Completion done(const std::string& what) {
        return [this, what](Status s) { record(what, std::move(s)); };
    }
    // Waits for the outcome of `what`; its error, or "" on success.
    std::optional<std::string> outcome(const std::string& what, int timeout_ms = 20000) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                          [&] { return outcomes_.count(what) > 0; }))
            return std::nullopt;
        auto s = outcomes_[what];
        outcomes_.erase(what);
        return s;
    }
    bool message_with(const std::string& payload, uplink::InboundMessage& out,
                      int timeout_ms = 20000) {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
            for (const auto& m : messages_)
                if (m.payload == payload) {
                    out = m;
                    return true;
                }
            return false;
        });
    }

  private:
    void record(const std::string& what, Status s) {
        std::lock_guard<std::mutex> lock(mutex_);
        outcomes_[what] = s ? std::string() : s.error();
        cv_.notify_all();
    }
    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::string, std::string> outcomes_;
    std::vector<uplink::InboundMessage> messages_;
};

uplink::ConnectOptions options(const std::string& uri, const std::string& client_id) {
    uplink::ConnectOptions o;
    o.uri = uri;
    o.client_id = client_id;
    o.keepalive_s = 5;
    return o;
}

}  // namespace

TEST_GROUP(PahoTransport) {
    TempDir dir;
};

TEST(PahoTransport, PublishesWithPubackAndReceivesSubscribedMessagesInAPersistentSession) {
    Mosquitto broker(dir.path(), "broker");
    broker.start();
    Subscriber center(broker.uri(), "center-events", "city/#");
    CHECK(center.ready(10000));
    uplink::PahoTransport gateway, commander;
    Probe gw_probe, cmd_probe;
    auto gw_opts = options(broker.uri(), "gw-transport");
    gw_opts.clean_session = false;
    gw_opts.will = uplink::Will{"city/s1/gw1/status", "{\"online\":false}", 1, true};
    CHECK(gateway.connect(gw_opts, gw_probe.handlers()).ok());
    CHECK(gw_probe.outcome("connect") == std::string());
    CHECK(commander.connect(options(broker.uri(), "commander"), cmd_probe.handlers()).ok());
    CHECK(cmd_probe.outcome("connect") == std::string());

    CHECK(gateway.subscribe("city/s1/gw1/cmd/+", 1, gw_probe.done("subscribe")).ok());
    CHECK(gw_probe.outcome("subscribe") == std::string());
    CHECK(gateway.publish("city/s1/gw1/event", "hello", 1, false, gw_probe.done("publish")).ok());
    CHECK(gw_probe.outcome("publish") == std::string());  // the PUBACK came
    CHECK(center.wait_until([](auto& m) { return !m.empty() && m.back().payload == "hello"; },
                            20000));

    CHECK(commander.publish("city/s1/gw1/cmd/ping", "ping-1", 1, false, nullptr).ok());
    uplink::InboundMessage got;
    CHECK(gw_probe.message_with("ping-1", got));
    STRCMP_EQUAL("city/s1/gw1/cmd/ping", got.topic.c_str());
    LONGS_EQUAL(1, got.qos);

    // Away for a while: the broker keeps the session and what came meanwhile.
    gateway.disconnect(2000);
    CHECK(
        commander.publish("city/s1/gw1/cmd/ping", "ping-2", 1, false, cmd_probe.done("while-away"))
            .ok());
    CHECK(cmd_probe.outcome("while-away") == std::string());
    CHECK(gateway.connect(gw_opts, gw_probe.handlers()).ok());
    CHECK(gw_probe.outcome("connect") == std::string());
    CHECK(gw_probe.message_with("ping-2", got));
    commander.disconnect(2000);
    gateway.disconnect(2000);
}

TEST(PahoTransport, ReportsALostConnectionAndARefusedConnect) {
    Mosquitto broker(dir.path(), "broker");
    broker.start();
    uplink::PahoTransport t;
    Probe probe;
    CHECK(t.connect(options(broker.uri(), "gw-lost"), probe.handlers()).ok());
    CHECK(probe.outcome("connect") == std::string());
    broker.stop(SIGKILL);
    auto lost = probe.outcome("lost");
    CHECK(lost.has_value() && !lost->empty());
    // Nothing listens there: the connect fails, through the handler.
    CHECK(t.connect(options("tcp://127.0.0.1:" + std::to_string(free_port()), "gw-refused"),
                    probe.handlers())
              .ok());
    auto refused = probe.outcome("connect");
    CHECK(refused.has_value());
    CHECK_FALSE(refused->empty());
    // No connection: a publish is refused at once, not queued.
    CHECK_FALSE(t.publish("city/x", "y", 1, false, nullptr).ok());
}
