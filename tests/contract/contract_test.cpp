// The encoder's output against the JSON Schemas published in docs/schema:
// what the center is told is exactly what the gateway sends.
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contract/contract.hpp"
#include "contract/schema_check.hpp"
#include "contract/schemas.hpp"

#include <CppUTest/TestHarness.h>

using nlohmann::json;

namespace {

// Against the schema as embedded in the gateway (the docs/schema file at
// build time), with the gateway's own validator.
std::string check(const std::string& schema, const std::string& payload) {
    const json* s = gw::contract::schema(schema);
    if (!s) return "no embedded schema " + schema + "\n";
    auto errs = gw::contract::schema_errors(*s, json::parse(payload));
    std::string all;
    for (auto& e : errs) all += e + "\n";
    return all;
}

const gw::contract::Origin kOrigin{"site-001", "gw-01"};

gw::Event sample_event() {
    gw::Event e;
    e.id = "gw-01-3-00000042";
    e.detector = "flood-1";
    e.kind = "flood";
    e.type = "water_depth";
    e.severity = gw::Severity::alarm;
    e.state = gw::EventState::raise;
    e.t_ms = 1700000000123;
    e.value = 31.5;
    e.unit = "cm";
    e.message = "water depth 31.5 cm above alarm level 30 cm";
    e.details = {{"level", "alarm"}};
    return e;
}

}  // namespace

TEST_GROUP(Contract){};

TEST(Contract, TopicsFollowPrefixSiteGateway) {
    auto t = gw::contract::make_topics("city", "site-001", "gw-01");
    STRCMP_EQUAL("city/site-001/gw-01/event", t.event.c_str());
    STRCMP_EQUAL("city/site-001/gw-01/telemetry", t.telemetry.c_str());
    STRCMP_EQUAL("city/site-001/gw-01/status", t.status.c_str());
    STRCMP_EQUAL("city/site-001/gw-01/evidence/gw-01-3-00000042",
                 t.evidence("gw-01-3-00000042").c_str());
}

TEST(Contract, EventMatchesItsSchema) {
    auto payload = gw::contract::encode_event(sample_event(), kOrigin, true);
    STRCMP_EQUAL("", check("event.json", payload).c_str());
    auto j = json::parse(payload);
    STRCMP_EQUAL("gw-01-3-00000042", j["id"].get<std::string>().c_str());
    STRCMP_EQUAL("gw-01-3-00000042",
                 j["incident"].get<std::string>().c_str());  // a raise is its own incident
    STRCMP_EQUAL("synced", j["clock"].get<std::string>().c_str());
    LONGS_EQUAL(1700000000123, j["ts"].get<int64_t>());
    CHECK_FALSE(j.contains("evidence"));
}

TEST(Contract, EventWithEvidenceUnsyncedClearAndNanValueMatchesItsSchema) {
    auto e = sample_event();
    e.state = gw::EventState::clear;
    e.incident = "gw-01-3-00000040";
    e.evidence = "gw-01-3-00000040";
    e.value = std::numeric_limits<double>::quiet_NaN();
    e.message = std::string("bad utf8 \xff from a device");
    auto payload = gw::contract::encode_event(e, kOrigin, false);
    STRCMP_EQUAL("", check("event.json", payload).c_str());
    auto j = json::parse(payload);
    CHECK(j["value"].is_null());
    STRCMP_EQUAL("unsynced", j["clock"].get<std::string>().c_str());
    STRCMP_EQUAL("clear", j["state"].get<std::string>().c_str());
    STRCMP_EQUAL("gw-01-3-00000040", j["evidence"].get<std::string>().c_str());
}

// The close of an incident a re-provisioned gateway left behind names the
// site and gateway the incident was opened under, not the sender's new ones.
TEST(Contract, AnEventThatNamesItsOwnOriginKeepsIt) {
    auto e = sample_event();
    e.origin = gw::Origin{"site-000", "gw-00"};
    auto j = json::parse(gw::contract::encode_event(e, kOrigin, true));
    STRCMP_EQUAL("site-000", j["site"].get<std::string>().c_str());
    STRCMP_EQUAL("gw-00", j["gateway"].get<std::string>().c_str());
    j = json::parse(gw::contract::encode_event(sample_event(), kOrigin, true));
    STRCMP_EQUAL("site-001", j["site"].get<std::string>().c_str());
}

TEST(Contract, TelemetryBatchMatchesItsSchema) {
    std::vector<gw::Sample> s{{"water_depth", 12.5, gw::Quality::good, 1700000000000},
                              {"smoke", std::nan(""), gw::Quality::comm_fail, 1700000000001}};
    auto payload = gw::contract::encode_telemetry(s, kOrigin, true);
    STRCMP_EQUAL("", check("telemetry.json", payload).c_str());
    auto j = json::parse(payload);
    LONGS_EQUAL(2, j["samples"].size());
    STRCMP_EQUAL("comm_fail", j["samples"][1]["quality"].get<std::string>().c_str());
}

TEST(Contract, StatusMatchesItsSchema) {
    gw::contract::GatewayStatus st{"0.1.0", 7, "c2282bd8a41039d2", false, 1700000000000};
    auto payload = gw::contract::encode_status(st, kOrigin);
    STRCMP_EQUAL("", check("status.json", payload).c_str());
    CHECK_FALSE(json::parse(payload)["online"].get<bool>());
}

TEST(Contract, ValidatorCatchesAnUndocumentedField) {
    // Guards the check itself: a field the schema does not list is an error.
    std::string msg =
        check("status.json", R"({"v":1,"site":"s","gateway":"g","version":"x","boot":1,
        "config_hash":"h","online":true,"ts":1,"surprise":1})");
    STRCMP_CONTAINS("unknown field surprise", msg.c_str());
}

TEST(Contract, EvidenceMatchesItsSchemaAndNamesItsEvent) {
    const std::vector<uint8_t> jpeg{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0xFF, 0xD9};
    auto payload = gw::contract::encode_evidence("gw-01-3-00000040", "image/jpeg", jpeg, kOrigin,
                                                 1700000000123);
    STRCMP_EQUAL("", check("evidence.json", payload).c_str());
    STRCMP_EQUAL("gw-01-3-00000040", gw::contract::evidence_event_id(payload).c_str());
    auto j = json::parse(payload);
    STRCMP_EQUAL("/9j/4AAQ/9k=", j["data"].get<std::string>().c_str());
    LONGS_EQUAL(jpeg.size(), j["size"].get<long>());
}

TEST(Contract, EverySchemaFileIsEmbeddedAndParses) {
    for (const char* name : {"event.json", "telemetry.json", "status.json", "evidence.json",
                             "reply.json", "cmd-ack.json", "cmd-mode.json", "cmd-snapshot.json",
                             "cmd-selftest.json", "cmd-reload.json"})
        CHECK_TEXT(gw::contract::schema(name) != nullptr, name);
    CHECK(gw::contract::schema("nope.json") == nullptr);
}

TEST(Contract, ReplyOkAndRefusedMatchTheirSchema) {
    gw::contract::Reply ok;
    ok.id = "req-1";
    ok.ok = true;
    ok.result = {{"event", "gw-01-3-00000042"}};
    ok.ts = 1700000000000;
    auto a = gw::contract::encode_reply(ok, kOrigin);
    STRCMP_EQUAL("", check("reply.json", a).c_str());
    CHECK(json::parse(a)["result"]["event"] == "gw-01-3-00000042");
    gw::contract::Reply bad;
    bad.error = "not JSON";
    bad.ts = 1700000000000;
    auto b = gw::contract::encode_reply(bad, kOrigin);
    STRCMP_EQUAL("", check("reply.json", b).c_str());
    auto j = json::parse(b);
    CHECK(j["id"].is_null());
    CHECK_FALSE(j["ok"].get<bool>());
    CHECK_FALSE(j.contains("result"));
}

TEST(Contract, ValidatorChecksTheCommandSubset) {
    const json& ack = *gw::contract::schema("cmd-ack.json");
    CHECK(
        gw::contract::schema_errors(ack, {{"id", "a1"}, {"incident", "x"}, {"by", "ops"}}).empty());
    auto has = [](const std::vector<std::string>& errs, const std::string& what) {
        for (const auto& e : errs)
            if (e.find(what) != std::string::npos) return true;
        return false;
    };
    CHECK(has(gw::contract::schema_errors(ack, {{"id", "a 1"}, {"incident", "x"}, {"by", "o"}}),
              "$.id: does not match"));
    CHECK(has(gw::contract::schema_errors(ack, {{"id", "a1"}, {"by", "o"}}),
              "missing required field incident"));
    CHECK(has(gw::contract::schema_errors(
                  ack, {{"id", "a1"}, {"incident", "x"}, {"by", std::string(129, 'b')}}),
              "$.by: must be at most 128"));
    // Characters, not bytes: 128 two-byte characters fit.
    std::string wide;
    for (int i = 0; i < 128; ++i) wide += "\xc3\xa9";
    CHECK(
        gw::contract::schema_errors(ack, {{"id", "a1"}, {"incident", "x"}, {"by", wide}}).empty());
    const json& mode = *gw::contract::schema("cmd-mode.json");
    CHECK(has(gw::contract::schema_errors(
                  mode, {{"id", "m"}, {"mode", "emergency"}, {"duration_s", 604801}}),
              "must be at most 604800"));
    CHECK(
        has(gw::contract::schema_errors(mode, {{"id", "m"}, {"mode", "panic"}}), "must be one of"));
    CHECK(has(gw::contract::schema_errors(mode, {{"id", "m"}, {"mode", 1}}), "must be of type"));
}
