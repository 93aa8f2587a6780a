// Fuzz target `control`: request lines on the control socket, through
// the Dispatcher (as ControlServer feeds it) with the daemon's real command
// table (inject, status, the diagnostics and the closed loop's ack, mode
// and incidents) on a real store, split
// at newlines as the socket loop does. Every reply must be one line of JSON,
// an object with a boolean "ok" and, when false, an "error" string; never a
// crash, a hang or an escaped exception.
//
// mqtt_test and selftest are left out: they wait for a PUBACK by design
// (timeout_ms 100..60000) and there is no broker here; their one argument
// is parsed by the same int_arg as events, samples and store_export.
#include <cstdint>
#include <future>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "command/loop_commands.hpp"
#include "control/commands.hpp"
#include "control/control_server.hpp"
#include "control/diag.hpp"
#include "control/dispatcher.hpp"
#include "pipeline/live_state.hpp"
#include "scratch_site.hpp"
#include "uplink/uplink.hpp"

namespace {

using nlohmann::json;

[[noreturn]] void broken(const char* what, const std::string& detail) {
    gw::fuzz::broken("control", what, detail);
}

// The daemon's parts behind the control socket, built once: the scratch
// site, an uplink that never connects, the live state and the command table.
struct Site : gw::fuzz::ScratchSite {
    std::unique_ptr<gw::Uplink> uplink;
    gw::LiveState live;
    gw::Dispatcher commands{clock, log};

    Site() : ScratchSite("control") {
        const gw::contract::Origin origin{config.identity.site, config.identity.gateway};
        uplink = std::make_unique<gw::Uplink>(
            config.uplink,
            gw::contract::make_topics(config.uplink.topic_prefix, config.identity.site,
                                      config.identity.gateway),
            origin, gw::contract::GatewayStatus{"fuzz", store->boot(), config.hash, true, 0},
            *store, clock, log);
        seed_live_state();
        gw::add_daemon_commands(commands,
                                {config, *intake, *store, *uplink, clock, 0,
                                 [this] { return gw::loop::mode_json(loop->mode().state()); },
                                 [this](const std::string& id) { return loop->book().is_open(id); },
                                 nullptr});  // no pipeline here: status says "pipeline": null
        gw::command::add_loop_control_commands(commands, *loop);
        gw::add_diag_commands(commands,
                              {config, live, *intake, *store, *uplink, clock,
                               [] {
                                   return json::array({{{"id", "flood-gauge"}, {"kind", "modbus"}},
                                                       {{"id", "cam-plaza"}, {"kind", "camera"}}});
                               },
                               [](const std::string& bus) { return bus == "tcp:127.0.0.1:1502"; },
                               [](const std::string&) -> gw::Result<std::vector<unsigned char>> {
                                   return std::vector<unsigned char>{0xff, 0xd8, 0xff, 0xd9};
                               }});
    }
    ~Site() {
        commands.stop();
        uplink.reset();
    }

    void seed_live_state() {
        live.on_samples({{"water_depth", 12.5, gw::Quality::good, 1700000000000},
                         {"room_temp", 21.0, gw::Quality::stale, 1700000000500}});
        gw::Event e;
        e.id = e.incident = "gw-01-1-00000001";
        e.detector = "flood-1";
        e.kind = "flood";
        e.type = "water_level";
        e.severity = gw::Severity::warning;
        e.t_ms = 1700000000000;
        live.on_event(e);
    }

    // One line as the socket loop hands it over; the reply as it is sent.
    std::string dispatch(const std::string& line, const gw::Peer& peer) {
        std::promise<std::string> reply;
        auto fut = reply.get_future();
        commands.submit_line(line, peer,
                             [&reply](json r) { reply.set_value(gw::Dispatcher::to_line(r)); });
        return fut.get();
    }

    // Rows leave the store only on PUBACK; ack what inject stored so the
    // scratch store stays small over millions of runs.
    void drain() {
        auto rows = store->read(gw::Lane::alarm, 0, 1000);
        if (rows)
            for (const auto& r : *rows) store->ack(gw::Lane::alarm, r.seq);
        store->flush();
    }
};

Site& site() {
    static Site s;
    return s;
}

bool waits_for_puback(const std::string& line) {
    json req = json::parse(line, nullptr, false);
    if (req.is_discarded() || !req.is_object()) return false;
    auto cmd = req.find("cmd");
    return cmd != req.end() && cmd->is_string() && (*cmd == "mqtt_test" || *cmd == "selftest");
}

void check_reply(const std::string& request, const std::string& reply) {
    if (reply.find('\n') != std::string::npos) broken("reply spans lines", reply);
    json r = json::parse(reply, nullptr, false);
    if (r.is_discarded() || !r.is_object()) broken("reply is not a JSON object", reply);
    auto ok = r.find("ok");
    if (ok == r.end() || !ok->is_boolean()) broken("reply without boolean ok", request);
    if (!ok->get<bool>()) {
        auto err = r.find("error");
        if (err == r.end() || !err->is_string() || err->get<std::string>().empty())
            broken("failed reply without an error message", request + " -> " + reply);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Site& s = site();
    const std::string input(reinterpret_cast<const char*>(data), size);
    const gw::Peer root{1, 0, 0, {}};
    size_t start = 0;
    while (start <= input.size()) {
        size_t nl = input.find('\n', start);
        if (nl == std::string::npos) nl = input.size();
        const std::string line = input.substr(start, nl - start);
        start = nl + 1;
        if (line.size() > gw::ControlLimits{}.max_line || waits_for_puback(line)) continue;
        check_reply(line, s.dispatch(line, root));
    }
    s.drain();
    return 0;
}
