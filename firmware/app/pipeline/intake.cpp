#include "intake.hpp"

#include "contract/routes.hpp"

namespace gw {
namespace {

std::string recovery_message(const StoreRecovery& r) {
    if (!r.salvaged)
        return "store database " +
               std::string(r.kept_as.empty() ? "lost" : "damaged and moved aside") + " (" +
               r.reason + "); a new one started: unsent data in it was not sent";
    int64_t saved = 0, lost = 0;
    bool known = true;
    for (const auto& l : r.lanes) {
        saved += l.saved;
        lost += l.lost;
        known = known && l.lost_known;
    }
    return "damaged store database moved aside and a new one started; " + std::to_string(saved) +
           " unsent rows saved from it, " +
           (known ? std::to_string(lost) : "an unknown number of") + " lost";
}

}  // namespace

Intake::Intake(Store& store, EventIdSource& ids, const contract::Origin& origin, Clock& clock,
               Log& log)
    : store_(store), ids_(ids), origin_(origin), clock_(clock), log_(log) {}

Result<Event> Intake::store_event(Event e) {
    if (e.id.empty()) e.id = ids_.next();
    if (e.incident.empty()) e.incident = e.id;
    if (e.t_ms == 0) e.t_ms = clock_.now_ms();
    for (auto* o : observers_) o->before(e);
    auto payload = contract::encode_event(e, origin_, clock_.synced());
    if (auto s = store_.append(Lane::alarm, e.t_ms, contract::kEventRoute, std::move(payload));
        !s) {
        for (auto* o : observers_) o->refused(e);
        return fail(s.error());
    }
    for (auto* o : observers_) o->after(e);
    return e;
}

Result<std::string> Intake::submit_event(Event e) {
    auto stored = store_event(std::move(e));
    if (!stored) return fail(stored.error());
    return stored->id;
}

Status Intake::submit_evidence(const std::string& event_id, const std::string& content_type,
                               const std::vector<uint8_t>& bytes) {
    const int64_t t = clock_.now_ms();
    return store_.append(Lane::evidence, t, contract::evidence_route(event_id),
                         contract::encode_evidence(event_id, content_type, bytes, origin_, t));
}

Status Intake::submit_telemetry(const std::vector<Sample>& samples) {
    return submit_telemetry_async(samples).get();
}

std::future<Status> Intake::submit_telemetry_async(const std::vector<Sample>& samples) {
    if (samples.empty()) {
        std::promise<Status> done;
        done.set_value(Status::success());
        return done.get_future();
    }
    const int64_t t = samples.front().t_ms != 0 ? samples.front().t_ms : clock_.now_ms();
    return store_.append_async(Lane::telemetry, t, contract::kTelemetryRoute,
                               contract::encode_telemetry(samples, origin_, clock_.synced()));
}

void Intake::on_event(const Event& event) {
    auto r = store_event(event);
    if (!r) log_.error("intake", "event not stored", {{"type", event.type}, {"error", r.error()}});
}

Event Intake::notice_event(const StoreNotice& n) {
    Event e;
    e.detector = "store";
    e.kind = "store";
    e.one_shot = true;
    e.type = n.type;
    const bool evicted = n.type == "telemetry_evicted" || n.type == "evidence_evicted";
    e.severity = evicted ? Severity::warning : Severity::alarm;
    e.value = static_cast<double>(n.count);
    e.unit = "rows";
    e.message = n.message;
    e.details = {{"bytes", n.bytes}};
    return e;
}

// A notice taken from the store is the store's only account of it: the
// first `store_full`, made into an alarm the full store refused, was lost,
// and the center heard only of the refusals counted after it.
void Intake::report_store_notices() {
    for (auto& n : store_.take_notices()) {
        log_.warn("store", n.message, {{"type", n.type}, {"count", n.count}, {"bytes", n.bytes}});
        keep_notice(std::move(n));
    }
    if (unreported_.empty()) return;
    const int64_t now = clock_.mono_ms();
    if (front_refused_ && now - last_try_mono_ < kRetryMs) return;
    last_try_mono_ = now;
    while (!unreported_.empty()) {
        auto r = store_event(notice_event(unreported_.front()));
        if (!r) {
            if (!front_refused_)
                log_.error("intake", "store notice not stored: raised again until it is",
                           {{"type", unreported_.front().type}, {"error", r.error()}});
            front_refused_ = true;
            return;
        }
        unreported_.pop_front();
        front_refused_ = false;
    }
}

// One per type: a full telemetry lane evicts at every commit, and a notice
// of each, refused by a full alarm lane, queued one a second. The first
// keeps its message (when it began); the count is the total.
void Intake::keep_notice(StoreNotice n) {
    for (auto& kept : unreported_) {
        if (kept.type != n.type) continue;
        kept.count += n.count;
        kept.bytes += n.bytes;
        return;
    }
    unreported_.push_back(std::move(n));
}

void Intake::report_store_recovery() {
    const auto& r = store_.recovery();
    if (!r) return;
    nlohmann::json saved = nlohmann::json::object(), lost = nlohmann::json::object();
    for (Lane lane : kAllLanes) {
        const auto& l = r->lanes[index_of(lane)];
        saved[to_string(lane)] = l.saved;
        lost[to_string(lane)] = l.lost_known ? nlohmann::json(l.lost) : nlohmann::json(nullptr);
    }
    Event e;
    e.detector = "store";
    e.kind = "store";
    e.one_shot = true;
    e.type = "store_recovered";
    e.severity = Severity::alarm;
    e.message = recovery_message(*r);
    e.details = {{"kept_as", r->kept_as}, {"reason", r->reason}, {"saved", saved}, {"lost", lost}};
    on_event(e);
}

}  // namespace gw
