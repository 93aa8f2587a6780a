// The reference column of docs/deployment.md's feature table: the same probe
// against mosquitto, the broker every other suite uses.
#include "support/mosquitto.hpp"
#include "interop.hpp"
#include "mqtt_probe.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw::test;

TEST_GROUP(MosquittoReference) {
    TempDir dir;
};

TEST(MosquittoReference, FeaturesAreAsDocumented) {
    Mosquitto broker(dir.path(), "mosquitto");
    broker.start();
    auto f = probe_broker(broker.uri(), "mosquitto");
    UT_PRINT(describe(f).c_str());
    CHECK(f.qos1);
    LONGS_EQUAL(2, f.qos2_granted);
    CHECK(f.qos2_publish);
    CHECK(f.persistent_session);
    CHECK(f.retained_exact);
    CHECK(f.retained_wildcard);
    STRCMP_EQUAL("kept", f.dot_topic.c_str());
    CHECK(f.payload_150k);
    CHECK(f.payload_1m);
}
