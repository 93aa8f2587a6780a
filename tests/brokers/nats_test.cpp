// The gateway against NATS' MQTT support (Debian's nats-server 2.9, with
// JetStream): what the broker supports (docs/deployment.md's feature table,
// NATS column) and the whole contract through it with gatewayd as a process.
#include "support/nats.hpp"
#include "interop.hpp"
#include "mqtt_probe.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw::test;

TEST_GROUP(Nats) {
    TempDir dir;
};

TEST(Nats, FeaturesAreAsDocumented) {
    if (!nats_installed()) return skip("nats-server is not installed (tools/setup)");
    Nats broker(dir.path(), "nats");
    broker.start();
    auto f = probe_broker(broker.uri(), "nats");
    UT_PRINT(describe(f).c_str());
    CHECK(f.qos1);
    LONGS_EQUAL(1, f.qos2_granted);  // QoS 2 subscriptions are downgraded
    // A QoS 2 publish is refused: the server closes the connection.
    CHECK_FALSE(f.qos2_publish);
    CHECK(f.persistent_session);
    CHECK(f.retained_exact);
    CHECK(f.retained_wildcard);
    // '.' separates NATS subject tokens: a topic with one is refused and the
    // connection closed, so a gateway id "gw.1" cannot publish at all.
    STRCMP_CONTAINS("refused", f.dot_topic.c_str());
    CHECK(f.payload_150k);
    CHECK(f.payload_1m);
    STRCMP_CONTAINS("characters ' ' and '.' not supported for MQTT topics", broker.log().c_str());
}

TEST(Nats, GatewayDeliversEverythingThroughOutageAndKill) {
    if (!nats_installed()) return skip("nats-server is not installed (tools/setup)");
    Nats broker(dir.path(), "nats");
    broker.start();
    gateway_through_broker(broker, dir, "nats");
}

// NATS refuses the gateway's topics (and its Will) when the gateway id has a
// '.': the gateway cannot connect and keeps every event on disk. Only the
// NATS log names the reason; the gateway's link error is a bare connect
// failure.
TEST(Nats, DottedGatewayIdIsRefusedAndLosesNothing) {
    if (!nats_installed()) return skip("nats-server is not installed (tools/setup)");
    Nats broker(dir.path(), "nats");
    broker.start();
    SiteOptions o{{broker.uri()}};
    o.gateway = "gw.1";
    o.sensors = o.camera = false;
    GatewaySite site(dir, o);
    for (int i = 0; i < 5; ++i) site.inject("dotted");
    CHECK(wait_for(
        [&] { return broker.log().find("not supported for MQTT topics") != std::string::npos; },
        60000));
    CHECK(wait_for(
        [&] { return !site.status()["broker"]["last_error"].get<std::string>().empty(); }, 60000));
    auto s = site.status();
    UT_PRINT(("gateway's link error: " + s["broker"]["last_error"].get<std::string>()).c_str());
    CHECK_FALSE(s["broker"]["connected"].get<bool>());
    LONGS_EQUAL(5, s["store"]["alarm"]["rows"].get<long>());
}
