#pragma once
// The gateway's whole MQTT contract through one broker, with gatewayd as a
// process: events, telemetry, an evidence image, the retained status seen by
// a late subscriber, a broker outage (stopped and started again: nothing
// lost) and the Last Will when gatewayd is killed with SIGKILL. The same steps
// for each broker; Broker is any owner with uri(), start() and stop(sig).
#include <signal.h>

#include <string>
#include <vector>

#include "gateway_site.hpp"
#include "support/subscriber.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace gw::test {

// Generous: a RabbitMQ restart takes tens of seconds on a loaded machine.
constexpr int kDeliveryWaitMs = 180000;

// Printed so that ctest reports a skip (SKIP_REGULAR_EXPRESSION in CMakeLists).
inline void skip(const std::string& why) {
    UT_PRINT(("GW_TEST_SKIPPED: " + why).c_str());
}

// A subscriber arriving now on the exact status topic gets the retained status.
inline bool late_subscriber_sees(const std::string& uri, const std::string& id,
                                 const std::string& status_topic, bool online) {
    Subscriber late(uri, id, status_topic);
    return late.wait_until(
        [&](const auto& m) {
            return !m.empty() && m.front().retained && says_online(m.front().payload, online);
        },
        60000);
}

template <class Broker>
void gateway_through_broker(Broker& broker, const TempDir& dir, const std::string& tag) {
    Subscriber center(broker.uri(), "center-" + tag, "city/#");
    CHECK(center.ready(60000));
    GatewaySite site(dir, SiteOptions{{broker.uri()}});
    const std::string base = site.base();

    std::vector<std::string> ids;
    for (int i = 0; i < 20; ++i) ids.push_back(site.inject("interop"));
    CHECK_TEXT(center.wait_until([&](const auto& m) { return missing_ids(m, ids).empty(); },
                                 kDeliveryWaitMs),
               ("events missing; gatewayd:\n" + site.log()).c_str());
    CHECK_TEXT(center.wait_until(
                   [&](const auto& m) { return find_topic(m, base + "/telemetry") != nullptr; },
                   kDeliveryWaitMs),
               "no telemetry");

    // The flame alarm, then its image on the topic the event names.
    CHECK_TEXT(
        center.wait_until([](const auto& m) { return find_event(m, "video_flame").has_value(); },
                          kDeliveryWaitMs),
        ("no video_flame event; gatewayd:\n" + site.log()).c_str());
    const std::string evidence_id =
        find_event(center.messages(), "video_flame")->at("evidence").get<std::string>();
    const std::string evidence_topic = base + "/evidence/" + evidence_id;
    CHECK(center.wait_until([&](const auto& m) { return find_topic(m, evidence_topic) != nullptr; },
                            kDeliveryWaitMs));
    auto evidence = nlohmann::json::parse(find_topic(center.messages(), evidence_topic)->payload);
    STRCMP_EQUAL(evidence_id.c_str(), evidence["evidence"].get<std::string>().c_str());
    CHECK(evidence["size"].get<long>() > 0);

    CHECK_TEXT(
        late_subscriber_sees(broker.uri(), "late-" + tag + "-online", base + "/status", true),
        "late subscriber did not get the retained online status");

    // Outage: what is accepted while the broker is down arrives after it is back.
    broker.stop(SIGTERM);
    std::vector<std::string> during;
    for (int i = 0; i < 20; ++i) during.push_back(site.inject("during-outage"));
    broker.start();
    CHECK_TEXT(center.wait_until([&](const auto& m) { return missing_ids(m, during).empty(); },
                                 kDeliveryWaitMs),
               ("events accepted during the outage missing; gatewayd:\n" + site.log()).c_str());

    // kill -9: the broker publishes the retained Last Will (online=false).
    site.gatewayd().signal(SIGKILL);
    site.gatewayd().wait(10000);
    CHECK_TEXT(
        center.wait_until(
            [&](const auto& m) { return says_online(last_status(m, base + "/status"), false); },
            kDeliveryWaitMs),
        "no Last Will after kill -9");
    CHECK_TEXT(
        late_subscriber_sees(broker.uri(), "late-" + tag + "-offline", base + "/status", false),
        "late subscriber did not get the retained Last Will");
}

}  // namespace gw::test
