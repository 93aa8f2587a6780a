// mqtt test and selftest: is the center getting our alarms, and does the
// whole site pass its acceptance test.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "daemon_link.hpp"
#include "options.hpp"
#include "output.hpp"

namespace gw::ctl {
namespace {

using nlohmann::json;

// The daemon waits up to timeout_ms for the PUBACK; give it room to answer.
int client_timeout(int timeout_ms) {
    return timeout_ms + 5000;
}

int mqtt_test(const Target& target, int timeout_ms) {
    json r;
    int rc = call(target, {{"cmd", "mqtt_test"}, {"timeout_ms", timeout_ms}}, r,
                  client_timeout(timeout_ms));
    if (rc != kOk) return rc;
    const bool acked = r.value("acked", false);
    if (target.json) {
        r.erase("ok");
        std::cout << r.dump(2) << "\n";
        return acked ? kOk : kFailed;
    }
    Style st(stdout);
    if (acked) {
        std::cout << st.good("ok") << ": test event " << r.value("id", std::string())
                  << " acknowledged by " << r.value("broker", std::string()) << " after "
                  << r.value("puback_ms", 0L) << " ms\n";
        return kOk;
    }
    std::string err = r.value("last_error", std::string());
    std::cout << st.bad("failed") << ": no PUBACK for test event " << r.value("id", std::string())
              << " within " << timeout_ms << " ms (broker " << r.value("broker", std::string())
              << (r.value("connected", false) ? ", connected" : ", not connected")
              << (err.empty() ? "" : ": " + err)
              << "); it stays in the store and goes out when the broker answers\n";
    return kFailed;
}

int selftest(const Target& target, int timeout_ms) {
    json r;
    int rc = call(target, {{"cmd", "selftest"}, {"timeout_ms", timeout_ms}}, r,
                  client_timeout(timeout_ms));
    if (rc != kOk) return rc;
    const bool passed = r.value("passed", false);
    if (target.json) {
        r.erase("ok");
        std::cout << r.dump(2) << "\n";
        return passed ? kOk : kFailed;
    }
    Style st(stdout);
    Table t({"check", "result", "detail"});
    int failed = 0;
    for (const auto& c : r["checks"]) {
        bool ok = c.value("passed", false);
        failed += ok ? 0 : 1;
        t.add({c.value("name", std::string()), ok ? st.good("PASS") : st.bad("FAIL"),
               c.value("detail", std::string())});
    }
    std::cout << t.render() << "\n"
              << (passed ? st.good("selftest passed")
                         : st.bad("selftest failed: " + std::to_string(failed) + " of " +
                                  std::to_string(r["checks"].size()) + " checks"))
              << "\n";
    return passed ? kOk : kFailed;
}

}  // namespace

void add_mqtt_commands(CLI::App& app, Runner& run) {
    auto target = std::make_shared<Target>();
    auto timeout = std::make_shared<int>(10000);

    auto* mqtt = app.add_subcommand("mqtt", "the link to the district center");
    mqtt->require_subcommand(1);
    auto* test = mqtt->add_subcommand(
        "test", "inject a test event through the store and uplink; report the time to PUBACK");
    add_target_options(test, *target);
    test->add_option("--timeout-ms", *timeout, "how long to wait for the PUBACK")
        ->check(between(100, 60000))
        ->capture_default_str();
    test->callback([&run, target, timeout] {
        run = [target, timeout] { return mqtt_test(*target, *timeout); };
    });

    auto* self = app.add_subcommand(
        "selftest",
        "acceptance test: devices answer, cameras deliver frames, broker reachable "
        "(TLS when configured), a test event is acked");
    add_target_options(self, *target);
    self->add_option("--timeout-ms", *timeout, "how long to wait for the test event's PUBACK")
        ->check(between(100, 60000))
        ->capture_default_str();
    self->callback([&run, target, timeout] {
        run = [target, timeout] { return selftest(*target, *timeout); };
    });
}

}  // namespace gw::ctl
