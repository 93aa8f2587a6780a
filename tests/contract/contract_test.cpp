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

#include <CppUTest/TestHarness.h>

using nlohmann::json;

namespace {

json load_schema(const std::string& name) {
    std::ifstream in(std::string(GW_SOURCE_DIR) + "/docs/schema/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

bool type_is(const json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    return false;
}

// The subset of JSON Schema the contract uses: type, required, properties,
// additionalProperties:false, enum, items, minimum, minLength.
void validate(const json& schema, const json& v, const std::string& path,
              std::vector<std::string>& errs) {
    if (schema.contains("type")) {
        bool ok = false;
        for (const auto& t :
             schema["type"].is_array() ? schema["type"] : json::array({schema["type"]}))
            ok |= type_is(v, t.get<std::string>());
        if (!ok) errs.push_back(path + ": wrong type " + v.dump());
    }
    if (schema.contains("enum")) {
        bool ok = false;
        for (const auto& e : schema["enum"]) ok |= e == v;
        if (!ok) errs.push_back(path + ": " + v.dump() + " not in enum");
    }
    if (schema.contains("minimum") && v.is_number() &&
        v.get<double>() < schema["minimum"].get<double>())
        errs.push_back(path + ": below minimum");
    if (schema.contains("minLength") && v.is_string() &&
        v.get<std::string>().size() < schema["minLength"].get<size_t>())
        errs.push_back(path + ": too short");
    if (v.is_object()) {
        for (const auto& r : schema.value("required", json::array()))
            if (!v.contains(r.get<std::string>()))
                errs.push_back(path + ": missing " + r.get<std::string>());
        const json props = schema.value("properties", json::object());
        for (auto it = v.begin(); it != v.end(); ++it) {
            if (props.contains(it.key()))
                validate(props[it.key()], it.value(), path + "." + it.key(), errs);
            else if (schema.value("additionalProperties", true) == false)
                errs.push_back(path + ": undocumented field " + it.key());
        }
    }
    if (v.is_array() && schema.contains("items"))
        for (size_t i = 0; i < v.size(); ++i)
            validate(schema["items"], v[i], path + "[" + std::to_string(i) + "]", errs);
}

std::string check(const std::string& schema, const std::string& payload) {
    std::vector<std::string> errs;
    validate(load_schema(schema), json::parse(payload), "$", errs);
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
    STRCMP_CONTAINS("undocumented field surprise", msg.c_str());
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
