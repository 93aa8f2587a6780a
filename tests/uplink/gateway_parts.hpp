#pragma once
// The gateway's delivery chain in-process (store -> intake -> uplink), for
// tests against a real broker without starting gatewayd.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/event_id.hpp"
#include "core/log.hpp"
#include "pipeline/intake.hpp"
#include "store/store.hpp"
#include "support/subscriber.hpp"
#include "support/wait.hpp"
#include "uplink/uplink.hpp"

namespace gw::test {

inline UplinkConfig test_uplink(std::vector<std::string> brokers, const std::string& client_id) {
    UplinkConfig u;
    u.brokers = std::move(brokers);
    u.client_id = client_id;
    u.inflight_window = 20;
    u.reconnect_min_ms = 100;
    u.reconnect_max_ms = 400;
    u.keepalive_s = 5;
    u.telemetry_batch_max = 10;
    return u;
}

struct GatewayParts {
    SystemClock clock;
    Log log{LogLevel::warn};
    std::unique_ptr<Store> store;
    std::unique_ptr<EventIdSource> ids;
    std::unique_ptr<Intake> intake;
    std::unique_ptr<Uplink> uplink;
    contract::Topics topics = contract::make_topics("city", "s1", "gw1");

    GatewayParts(const StoreOptions& so, const UplinkConfig& uc) {
        auto s = Store::open(so, clock, log);
        if (!s) throw std::runtime_error(s.error());
        store = std::move(*s);
        ids = std::make_unique<EventIdSource>("gw1", store->boot());
        contract::Origin origin{"s1", "gw1"};
        intake = std::make_unique<Intake>(*store, *ids, origin, clock, log);
        uplink = std::make_unique<Uplink>(
            uc, topics, origin, contract::GatewayStatus{"test", store->boot(), "hash", true, 0},
            *store, clock, log);
    }
    ~GatewayParts() {
        uplink.reset();
        intake.reset();
        store.reset();
    }
    std::string event(const std::string& type, Severity sev = Severity::alarm) {
        Event e;
        e.detector = "test";
        e.kind = "system";
        e.type = type;
        e.severity = sev;
        auto id = intake->submit_event(e);
        if (!id) throw std::runtime_error(id.error());
        return *id;
    }
};

inline nlohmann::json parse(const Received& r) {
    return nlohmann::json::parse(r.payload);
}
inline size_t count_ids(const std::vector<Received>& msgs, const std::vector<std::string>& ids) {
    size_t n = 0;
    for (const auto& id : ids)
        for (const auto& m : msgs)
            if (ends_with(m.topic, "/event") &&
                m.payload.find("\"" + id + "\"") != std::string::npos) {
                ++n;
                break;
            }
    return n;
}

}  // namespace gw::test
