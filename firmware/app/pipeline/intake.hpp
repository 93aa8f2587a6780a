#pragma once
// The one way into the store for everything the gateway reports: events from
// detectors and subsystems, evidence images, telemetry batches. Each is
// encoded with the contract encoder, given its route (contract/routes.hpp)
// and made durable in the store before the call returns, so a successful
// return means "the center will get it, even across a crash".
#include <deque>
#include <future>
#include <string>
#include <vector>

#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/event_id.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "core/sinks.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace gw {

// Sees every event the intake stores (the incident book, the automatic
// emergency, the live view of `gatewayctl events`): before() once it has
// its id, before it is encoded (it may rewrite it); after() once it is
// durable. Must not call back into the
// intake while holding a lock the intake's other callers might need.
class IntakeObserver {
  public:
    virtual ~IntakeObserver() = default;
    virtual void before(Event& event) = 0;
    virtual void after(const Event& event) = 0;
    // Instead of after(): the store refused it (full, or closing).
    virtual void refused(const Event& /*event*/) {}
};

class Intake final : public EventSink {
  public:
    Intake(Store& store, EventIdSource& ids, const contract::Origin& origin, Clock& clock,
           Log& log);

    // The one place an event gets its defaults: id (when empty), incident
    // (= id when empty) and ts (when 0). Stores it in the alarm lane and
    // returns it as stored once it is durable; or the reason it could not be
    // stored (the producer must hear it).
    Result<Event> store_event(Event event);
    // store_event(), for callers that need only the id.
    Result<std::string> submit_event(Event event);
    // Stores an evidence image in the evidence lane (delivered after the
    // alarm events, on .../evidence/{event_id}); returns once durable.
    Status submit_evidence(const std::string& event_id, const std::string& content_type,
                           const std::vector<uint8_t>& bytes);
    // Stores the samples as ONE telemetry message; returns once durable.
    // Batching (at most uplink.telemetry_batch_max samples, deadbands) is
    // TelemetryReporter's, the one place telemetry is batched.
    Status submit_telemetry(const std::vector<Sample>& samples);
    // The same without waiting: many batches then share one commit.
    std::future<Status> submit_telemetry_async(const std::vector<Sample>& samples);

    // EventSink for detectors and subsystems: store_event(); a failure is
    // logged (their callers have no one to tell).
    void on_event(const Event& event) override;

    // Raises an event (kind "store") for each thing the store had to do on
    // its own: telemetry or evidence evicted, database full. Call periodically
    // (one thread). One the store refuses (it is full: the first `store_full`
    // is) is kept, one per type (a later one of its type is added to it),
    // and raised again every 10 s, oldest first, so the center learns when
    // refusing began and how many were refused.
    void report_store_notices();
    // Raises `store_recovered` if the store found its file damaged, empty or
    // missing: what it kept, saved and lost.
    void report_store_recovery();
    // Added before events flow (start-up), called in the order added; not
    // synchronised.
    void add_observer(IntakeObserver* observer) { observers_.push_back(observer); }
    void clear_observers() { observers_.clear(); }

  private:
    static Event notice_event(const StoreNotice& n);
    void keep_notice(StoreNotice n);

    Store& store_;
    EventIdSource& ids_;
    contract::Origin origin_;
    Clock& clock_;
    Log& log_;
    std::vector<IntakeObserver*> observers_;
    // Notices not stored yet, oldest first, one per type (so at most four).
    std::deque<StoreNotice> unreported_;
    bool front_refused_ = false;  // its refusal is logged once
    // When a refused one was tried last: each try the full store refuses
    // counts as a refused alarm too, so they are not tried every second.
    int64_t last_try_mono_ = 0;
    static constexpr int64_t kRetryMs = 10000;
};

}  // namespace gw
