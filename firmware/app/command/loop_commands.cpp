#include "loop_commands.hpp"

#include "contract/schema_check.hpp"
#include "core/enum_names.hpp"

namespace gw::command {
namespace {

using nlohmann::json;

std::optional<std::string> text(const json& req, const char* key, size_t max) {
    if (!req.contains(key) || !req[key].is_string()) return std::nullopt;
    auto v = req[key].get<std::string>();
    if (contract::code_points(v) > max) return std::nullopt;  // characters, as the schema counts
    return v;
}

// A mode request as the mode controller takes it.
struct ModeRequest {
    Mode mode;
    std::optional<int64_t> duration_ms;  // none: until changed
};

Result<ModeRequest> parse_mode_request(const json& request) {
    if (!request.is_object()) return fail("request must be an object");
    auto name = text(request, "mode", 16);
    auto m = name ? mode_from_string(*name) : std::nullopt;
    if (!m) return fail("mode: \"" + names_joined(kModeNames, "\" or \"") + "\"");
    ModeRequest out{*m, std::nullopt};
    if (request.contains("duration_s")) {
        const json& d = request["duration_s"];
        if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > 604800)
            return fail("duration_s: an integer of 1-604800 seconds");
        if (out.mode != Mode::emergency) return fail("duration_s: only with mode \"emergency\"");
        out.duration_ms = d.get<int64_t>() * 1000;
    }
    return out;
}

}  // namespace

Result<json> ack(loop::ClosedLoop& loop, const json& request) {
    if (!request.is_object()) return fail("request must be an object");
    auto incident = text(request, "incident", 128);
    auto by = text(request, "by", 128);
    if (!incident || incident->empty()) return fail("incident: a string of 1-128 characters");
    if (!by || by->empty()) return fail("by: a string of 1-128 characters");
    std::string note;
    if (request.contains("note")) {
        auto n = text(request, "note", 1024);
        if (!n) return fail("note: a string of at most 1024 characters");
        note = *n;
    }
    auto out = loop.ack(*incident, *by, note);
    if (!out) return fail(out.error());
    json result = {{"incident", out->incident},
                   {"already", out->already},
                   {"event", out->update ? json(out->update->id) : json(nullptr)},
                   {"acked_by", *by},
                   {"ack_note", note.empty() ? json(nullptr) : json(note)}};
    // Acknowledged before: by whom the book says (read back only then; a
    // clear stored meanwhile may have closed it, and this ack's own values
    // are known without asking).
    if (out->already)
        for (const auto& inc : loop.book().open()) {
            if (inc.id != out->incident) continue;
            result["acked_by"] = inc.acked_by ? json(*inc.acked_by) : json(nullptr);
            result["ack_note"] = inc.ack_note ? json(*inc.ack_note) : json(nullptr);
        }
    return result;
}

std::string mode_request_error(const json& request) {
    auto parsed = parse_mode_request(request);
    return parsed ? std::string() : parsed.error();
}

Result<json> mode(loop::ClosedLoop& loop, const json& request, const std::string& source) {
    auto parsed = parse_mode_request(request);
    if (!parsed) return fail(parsed.error());
    std::string src = source;
    if (src.empty()) src = "command:" + text(request, "id", 64).value_or("?");
    auto state = loop.set_mode(parsed->mode, parsed->duration_ms, src);
    if (!state) return fail(state.error());
    return loop::mode_json(*state);
}

void add_loop_control_commands(Dispatcher& commands, loop::ClosedLoop& loop) {
    using Pool = Dispatcher::Pool;
    constexpr int64_t kDeadlineMs = 15000;  // a store commit at the very worst
    auto reply = [](Result<json> r) -> json {
        if (!r) return {{"ok", false}, {"error", r.error()}};
        json out = *r;
        out["ok"] = true;
        return out;
    };
    commands.add("ack", Pool::io, kDeadlineMs,
                 [&loop, reply](const json& req, const Peer&, const Cancel&) {
                     return reply(ack(loop, req));
                 });
    // The incident book's open incidents (gatewayctl events --active). On
    // the io pool: the book's lock is held while an incident is written to
    // SQLite (seconds on a busy disk), and the socket's thread must not wait.
    commands.add("incidents", Pool::io, kDeadlineMs,
                 [&loop](const json&, const Peer&, const Cancel&) {
                     json list = json::array();
                     for (const auto& inc : loop.book().open()) {
                         json j = loop::incident_json(inc);
                         j.erase("event_ids");
                         j.erase("details");
                         j["confirmed"] = inc.confirmed;
                         list.push_back(std::move(j));
                     }
                     return json{{"ok", true}, {"incidents", list}};
                 });
    // Without "mode": the current mode. With it: a technician on site sets it.
    commands.add("mode", Pool::io, kDeadlineMs,
                 [&loop, reply](const json& req, const Peer&, const Cancel&) {
                     if (!req.contains("mode")) return reply(loop::mode_json(loop.mode().state()));
                     return reply(mode(loop, req, "control"));
                 });
}

}  // namespace gw::command
