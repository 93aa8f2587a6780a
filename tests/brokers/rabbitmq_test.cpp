// The gateway against RabbitMQ's MQTT plugin (Debian's rabbitmq-server 3.10):
// what the broker supports (docs/deployment.md's feature table, RabbitMQ
// column) and the whole contract through it with gatewayd as a process.
#include "support/rabbitmq.hpp"
#include "interop.hpp"
#include "mqtt_probe.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw::test;

namespace {

// One node for the group (both tests leave it running): a RabbitMQ boot costs
// several CPU-seconds, tens of seconds of wall time on a loaded machine.
struct SharedRabbit {
    TempDir dir;
    RabbitMq broker{dir.path(), "rabbit"};
};

SharedRabbit& shared_rabbit() {
    static SharedRabbit s;
    if (!s.broker.running()) s.broker.start();
    return s;
}

}  // namespace

TEST_GROUP(RabbitMq) {
    TempDir dir;
};

TEST(RabbitMq, FeaturesAreAsDocumented) {
    if (!rabbitmq_installed()) return skip("rabbitmq-server is not installed (tools/setup)");
    auto& broker = shared_rabbit().broker;
    auto f = probe_broker(broker.uri(), "rabbitmq");
    UT_PRINT(describe(f).c_str());
    CHECK(f.qos1);
    LONGS_EQUAL(1, f.qos2_granted);  // QoS 2 subscriptions are downgraded
    CHECK(f.qos2_publish);           // answered with a PUBACK, i.e. taken as QoS 1
    CHECK(f.persistent_session);
    CHECK(f.retained_exact);
    // 3.10 delivers retained messages only to a subscription on the exact
    // topic, never through + or #: the center subscribes per gateway status.
    CHECK_FALSE(f.retained_wildcard);
    // '.' separates AMQP routing-key words: "gw.1" arrives as "gw/1".
    STRCMP_EQUAL("rewritten to probe/rabbitmq/dot/s/1/gw/1/event", f.dot_topic.c_str());
    CHECK(f.payload_150k);
    CHECK(f.payload_1m);
}

TEST(RabbitMq, GatewayDeliversEverythingThroughOutageAndKill) {
    if (!rabbitmq_installed()) return skip("rabbitmq-server is not installed (tools/setup)");
    gateway_through_broker(shared_rabbit().broker, dir, "rabbitmq");
}
