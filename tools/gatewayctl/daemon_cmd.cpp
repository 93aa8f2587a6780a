// status and inject: the daemon's health at a glance, and a test event.
#include <cmath>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "core/mode.hpp"
#include "core/types.hpp"
#include "daemon_link.hpp"
#include "options.hpp"
#include "output.hpp"

namespace gw::ctl {
namespace {

using nlohmann::json;

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
    const std::string mode = m.value("mode", std::string());
    std::string s = mode == "emergency" ? st.bad(mode) : st.good(mode);
    if (m["until"].is_number())
        s += " until " + local_time_text(m["until"].get<int64_t>()) + " (in " +
             human_duration_ms(m["until"].get<int64_t>() - now_ms()) + ")";
    else if (mode == "emergency")
        s += " until changed";
    if (m["since"].is_number()) s += ", since " + local_time_text(m["since"].get<int64_t>());
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
    if (b.value("parked", 0) > 0)
        t.add({"parked rows",
               st.bad(std::to_string(b.value("parked", 0)) +
                      " the broker closes the connection on (kept, retried every 10 min: "
                      "its message size limit or ACL? see the log)")});
    if (s["store"].contains("read_error"))
        t.add({"store read",
               st.bad(s["store"].value("read_error", std::string()) +
                      " (rows wait; a damaged file is salvaged when gatewayd starts again)")});
    t.add({"store alarm", lane_text(s["store"]["alarm"])});
    t.add({"store telemetry", lane_text(s["store"]["telemetry"])});
    if (s["store"].contains("evidence"))
        t.add({"store evidence", lane_text(s["store"]["evidence"])});
    if (s.contains("pipeline") && s["pipeline"].is_object()) {
        // Dropped batches mean detection or the store fell behind the buses.
        const json& p = s["pipeline"];
        const auto dropped = p.value("dropped_detection", 0LL) + p.value("dropped_telemetry", 0LL);
        const std::string text = std::to_string(p.value("samples", 0LL)) + " samples, " +
                                 std::to_string(p.value("events", 0LL)) + " events, " +
                                 std::to_string(dropped) + " batches dropped, " +
                                 std::to_string(p.value("event_failures", 0LL)) +
                                 " events not stored";
        t.add({"pipeline", dropped || p.value("event_failures", 0LL) ? st.bad(text) : text});
    }
    if (active.is_array()) {
        std::string a = std::to_string(active.size());
        for (const auto& e : active)
            a += "\n  " + e.value("severity", std::string()) + " " +
                 e.value("type", std::string()) + " (" + e.value("detector", std::string()) + ")";
        t.add({"active alarms", active.empty() ? st.good("0") : st.bad(a)});
    }
    std::cout << t.render();
}

// gatewayctl ack: a technician on site acknowledges an incident as the
// center would (the same book, the same update sent upward).
void add_ack_command(CLI::App& app, Runner& run, const std::shared_ptr<Target>& target) {
    auto* ack = app.add_subcommand(
        "ack", "acknowledge an incident (by its id or one of its events' ids) on site");
    add_target_options(ack, *target);
    auto id = std::make_shared<std::string>();
    auto by = std::make_shared<std::string>();
    auto note = std::make_shared<std::string>();
    ack->add_option("incident", *id, "incident id, or the id of one of its events")
        ->required()
        ->check(not_empty());
    ack->add_option("--by", *by, "who acknowledges (shown to the center as acked_by)")
        ->required()
        ->check(not_empty());
    ack->add_option("--note", *note, "what is being done");
    ack->callback([&run, target, id, by, note] {
        run = [target, id, by, note] {
            json req = {{"cmd", "ack"}, {"incident", *id}, {"by", *by}};
            if (!note->empty()) req["note"] = *note;
            json reply;
            if (int rc = call(*target, req, reply); rc != kOk) return rc;
            if (target->json) {
                std::cout << reply.dump(2) << "\n";
            } else if (reply.value("already", false)) {
                std::cout << "incident " << reply.value("incident", *id)
                          << " was already acknowledged; nothing sent\n";
            } else {
                std::cout << "incident " << reply.value("incident", *id) << " acknowledged by "
                          << *by << "; update " << reply.value("event", std::string("?"))
                          << " sent to the center\n";
            }
            return kOk;
        };
    });
}

}  // namespace

void add_daemon_commands(CLI::App& app, Runner& run) {
    auto target = std::make_shared<Target>();
    auto* status = app.add_subcommand(
        "status", "version, uptime, broker link, store depth, clock, active alarms");
    add_target_options(status, *target);
    status->callback([&run, target] {
        run = [target] {
            // The socket found once: a config that cannot be used is said once.
            Target t = *target;
            if (auto socket = socket_of(t))
                t.socket = *socket;
            else
                return kUsage;
            json reply;
            if (int rc = call(t, {{"cmd", "status"}}, reply); rc != kOk) return rc;
            // A daemon without the diagnostics commands: status without alarms.
            json active = nullptr;
            auto r = ControlClient(t.socket).call({{"cmd", "events"}, {"limit", 1}});
            if (r) active = (*r)["active"];
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
    auto for_ms = std::make_shared<double>(0);
    mode->add_option("mode", *mode_name, "the mode to set (none: show it)")
        ->check(CLI::IsMember(gw::names_of(gw::kModeNames)));
    add_duration(mode, "--for", *for_ms,
                 "emergency only: back to normal after this long, e.g. 90min, 6h (plain: seconds)",
                 1000, 604800000, "s");
    mode->callback([&run, target, mode_name, for_ms] {
        run = [target, mode_name, for_ms] {
            json req = {{"cmd", "mode"}};
            if (!mode_name->empty()) req["mode"] = *mode_name;
            if (*for_ms > 0) {
                if (*mode_name != "emergency") {
                    std::cerr << "gatewayctl: --for goes with mode emergency\n";
                    return kUsage;
                }
                req["duration_s"] = std::llround(*for_ms / 1000);
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
    inject->add_option("-t,--type", *type, "event type")->capture_default_str()->check(not_empty());
    inject->add_option("--severity", *severity, "how urgent")
        ->capture_default_str()
        ->check(CLI::IsMember(gw::names_of(gw::kSeverityNames)));
    inject->callback([&run, target, type, severity] {
        run = [target, type, severity] {
            json reply;
            int rc =
                call(*target, {{"cmd", "inject"}, {"type", *type}, {"severity", *severity}}, reply);
            if (rc != kOk) return rc;
            if (target->json)
                std::cout << json{{"id", reply["id"]}}.dump() << "\n";
            else
                std::cout << reply["id"].get<std::string>() << "\n";
            return kOk;
        };
    });

    add_ack_command(app, run, target);
}

}  // namespace gw::ctl
