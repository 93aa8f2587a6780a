#include "intake.hpp"

#include <algorithm>
#include <future>

namespace gw {

Intake::Intake(Store& store, EventIdSource& ids, const contract::Origin& origin, Clock& clock,
               Log& log, int telemetry_batch_max)
    : store_(store),
      ids_(ids),
      origin_(origin),
      clock_(clock),
      log_(log),
      batch_max_(static_cast<size_t>(std::max(1, telemetry_batch_max))) {}

Result<std::string> Intake::submit_event(Event e) {
    if (e.id.empty()) e.id = ids_.next();
    if (e.incident.empty()) e.incident = e.id;
    if (e.t_ms == 0) e.t_ms = clock_.now_ms();
    auto payload = contract::encode_event(e, origin_, clock_.synced());
    if (auto s = store_.append(Lane::alarm, e.t_ms, std::move(payload)); !s) return fail(s.error());
    return e.id;
}

Status Intake::submit_evidence(const std::string& event_id, const std::string& content_type,
                               const std::vector<uint8_t>& bytes) {
    const int64_t t = clock_.now_ms();
    return store_.append(Lane::alarm, t,
                         contract::encode_evidence(event_id, content_type, bytes, origin_, t));
}

Status Intake::submit_telemetry(const std::vector<Sample>& samples) {
    std::vector<std::future<Status>> pending;
    const bool synced = clock_.synced();
    for (size_t i = 0; i < samples.size(); i += batch_max_) {
        const size_t end = std::min(samples.size(), i + batch_max_);
        std::vector<Sample> batch(samples.begin() + static_cast<long>(i),
                                  samples.begin() + static_cast<long>(end));
        const int64_t t = batch.front().t_ms != 0 ? batch.front().t_ms : clock_.now_ms();
        pending.push_back(store_.append_async(Lane::telemetry, t,
                                              contract::encode_telemetry(batch, origin_, synced)));
    }
    Status first = Status::success();
    for (auto& f : pending) {
        Status s = f.get();
        if (!s && first) first = s;
    }
    return first;
}

void Intake::on_event(const Event& event) {
    auto r = submit_event(event);
    if (!r) log_.error("intake", "event not stored", {{"type", event.type}, {"error", r.error()}});
}

void Intake::on_samples(const std::vector<Sample>& samples) {
    if (auto s = submit_telemetry(samples); !s)
        log_.warn("intake", "telemetry not stored",
                  {{"samples", samples.size()}, {"error", s.error()}});
}

void Intake::report_store_notices() {
    for (const auto& n : store_.take_notices()) {
        Event e;
        e.detector = "store";
        e.kind = "store";
        e.type = n.type;
        e.severity = n.type == "telemetry_evicted" ? Severity::warning : Severity::alarm;
        e.value = static_cast<double>(n.count);
        e.unit = "rows";
        e.message = n.message;
        e.details = {{"bytes", n.bytes}};
        log_.warn("store", n.message, {{"type", n.type}, {"count", n.count}, {"bytes", n.bytes}});
        on_event(e);
    }
}

void Intake::report_store_recovery() {
    if (!store_.recovered_from()) return;
    Event e;
    e.detector = "store";
    e.kind = "store";
    e.type = "store_recovered";
    e.severity = Severity::alarm;
    e.message =
        "damaged store database moved aside and a new one started; unsent data in it was not sent";
    e.details = {{"kept_as", *store_.recovered_from()}, {"reason", store_.recovery_reason()}};
    on_event(e);
}

}  // namespace gw
