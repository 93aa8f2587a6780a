// status and inject: the daemon's health at a glance, and a test event.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "daemon_link.hpp"
#include "output.hpp"

namespace gw::ctl {
namespace {

using nlohmann::json;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string ago(const json& t_ms) {
    if (!t_ms.is_number()) return "never";
    return human_duration_ms(now_ms() - t_ms.get<int64_t>()) + " ago";
}

std::string lane_text(const json& lane) {
    std::string s = std::to_string(lane.value("rows", 0L)) + " rows";
    const json& age = lane["oldest_unsent_age_ms"];
    if (age.is_number()) s += ", oldest unsent " + human_duration_ms(age.get<long long>());
    return s;
}

void print_status(const json& s, const json& active) {
    Style st(stdout);
    const json& b = s["broker"];
    std::string link = b.value("connected", false)
                           ? st.good("connected") + " to " + b.value("uri", std::string()) +
                                 " since " + ago(b["connected_since_ms"])
                           : st.bad("not connected") + " (" + b.value("uri", std::string()) +
                                 (b.value("last_error", std::string()).empty()
                                      ? ""
                                      : ": " + b.value("last_error", std::string())) +
                                 ")";
    Table t({"item", "value"});
    t.add({"gateway", s.value("site", std::string()) + "/" + s.value("gateway", std::string()) +
                          " (boot " + std::to_string(s.value("boot", 0L)) + ")"});
    t.add({"version", s.value("version", std::string())});
    t.add({"uptime", human_duration_ms(s.value("uptime_ms", 0LL))});
    t.add({"config hash", s.value("config_hash", std::string())});
    t.add({"clock",
           s.value("clock", std::string()) == "synced" ? st.good("synced") : st.warn("unsynced")});
    t.add({"broker", link});
    t.add({"last PUBACK", ago(b["last_puback_ms"])});
    t.add({"store alarm", lane_text(s["store"]["alarm"])});
    t.add({"store telemetry", lane_text(s["store"]["telemetry"])});
    if (active.is_array()) {
        std::string a = std::to_string(active.size());
        for (const auto& e : active)
            a += "\n  " + e.value("severity", std::string()) + " " +
                 e.value("type", std::string()) + " (" + e.value("detector", std::string()) + ")";
        t.add({"active alarms", active.empty() ? st.good("0") : st.bad(a)});
    }
    std::cout << t.render();
}

}  // namespace

void add_daemon_commands(CLI::App& app, Runner& run) {
    auto target = std::make_shared<Target>();
    auto* status = app.add_subcommand(
        "status", "version, uptime, broker link, store depth, clock, active alarms");
    add_target_options(status, *target);
    status->callback([&run, target] {
        run = [target] {
            json reply;
            if (int rc = call(*target, {{"cmd", "status"}}, reply); rc != kOk) return rc;
            // A daemon without the diagnostics commands: status without alarms.
            json active = nullptr;
            if (auto socket = socket_of(*target)) {
                auto r = ControlClient(*socket).call({{"cmd", "events"}, {"limit", 1}});
                if (r) active = (*r)["active"];
            }
            if (target->json) {
                reply["active"] = active;
                std::cout << reply.dump(2) << "\n";
            } else {
                print_status(reply, active);
            }
            return kOk;
        };
    });

    auto* inject =
        app.add_subcommand("inject", "store a test event; prints its id once it is durable");
    add_target_options(inject, *target);
    auto type = std::make_shared<std::string>("test");
    auto severity = std::make_shared<std::string>("info");
    inject->add_option("-t,--type", *type, "event type")->capture_default_str();
    inject->add_option("--severity", *severity, "info|notice|warning|alarm|critical")
        ->capture_default_str();
    inject->callback([&run, target, type, severity] {
        run = [target, type, severity] {
            json reply;
            int rc =
                call(*target, {{"cmd", "inject"}, {"type", *type}, {"severity", *severity}}, reply);
            if (rc == kOk) std::cout << reply["id"].get<std::string>() << "\n";
            return rc;
        };
    });
}

}  // namespace gw::ctl
