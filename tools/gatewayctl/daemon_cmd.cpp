// status and inject: the daemon's health at a glance, and a test event.
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "core/types.hpp"
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

// "emergency until 14:05:00 (in 1h 2m), since 12:05:00, by control".
std::string mode_text(const json& m, Style& st) {
    if (!m.is_object()) return "unknown";
    auto clock_time = [](int64_t t_ms) {
        std::time_t secs = t_ms / 1000;
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&secs));
        return std::string(buf);
    };
    const std::string mode = m.value("mode", std::string());
    std::string s = mode == "emergency" ? st.bad(mode) : st.good(mode);
    if (m["until"].is_number())
        s += " until " + clock_time(m["until"].get<int64_t>()) + " (in " +
             human_duration_ms(m["until"].get<int64_t>() - now_ms()) + ")";
    else if (mode == "emergency")
        s += " until changed";
    if (m["since"].is_number()) s += ", since " + clock_time(m["since"].get<int64_t>());
    s += ", by " + m.value("source", std::string());
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
    t.add({"mode", mode_text(s["mode"], st)});
    t.add({"broker", link});
    t.add({"last PUBACK", ago(b["last_puback_ms"])});
    t.add({"store alarm", lane_text(s["store"]["alarm"])});
    t.add({"store telemetry", lane_text(s["store"]["telemetry"])});
    if (s["store"].contains("evidence"))
        t.add({"store evidence", lane_text(s["store"]["evidence"])});
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

    auto* mode = app.add_subcommand(
        "mode", "show the operating mode, or set it: mode normal | mode emergency [--for S]");
    add_target_options(mode, *target);
    auto mode_name = std::make_shared<std::string>();
    auto for_s = std::make_shared<long>(0);
    mode->add_option("mode", *mode_name, "normal | emergency")
        ->check(CLI::IsMember({"normal", "emergency"}));
    mode->add_option("--for", *for_s, "emergency only: back to normal after S seconds")
        ->check(CLI::Range(1L, 604800L));
    mode->callback([&run, target, mode_name, for_s] {
        run = [target, mode_name, for_s] {
            json req = {{"cmd", "mode"}};
            if (!mode_name->empty()) req["mode"] = *mode_name;
            if (*for_s > 0) {
                if (*mode_name != "emergency") {
                    std::cerr << "gatewayctl: --for goes with mode emergency\n";
                    return kUsage;
                }
                req["duration_s"] = *for_s;
            }
            json reply;
            if (int rc = call(*target, req, reply); rc != kOk) return rc;
            if (target->json) {
                std::cout << reply.dump(2) << "\n";
            } else {
                Style st(stdout);
                std::cout << mode_text(reply, st) << "\n";
            }
            return kOk;
        };
    });

    auto* inject =
        app.add_subcommand("inject", "store a test event; prints its id once it is durable");
    add_target_options(inject, *target);
    auto type = std::make_shared<std::string>("test");
    auto severity = std::make_shared<std::string>("info");
    inject->add_option("-t,--type", *type, "event type")
        ->capture_default_str()
        ->check(
            [](const std::string& s) { return std::string(s.empty() ? "must not be empty" : ""); });
    inject->add_option("--severity", *severity, "info|notice|warning|alarm|critical")
        ->capture_default_str()
        ->check([](const std::string& s) {
            return std::string(
                gw::severity_from_string(s) ? "" : "must be info|notice|warning|alarm|critical");
        });
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
