#pragma once
// The one way in for everything the gateway reports: drivers hand samples,
// detectors and subsystems hand events. Each is encoded with the contract
// encoder and made durable in the store before the call returns, so a
// successful return means "the center will get it, even across a crash".
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

class Intake final : public EventSink, public SampleSink {
  public:
    Intake(Store& store, EventIdSource& ids, const contract::Origin& origin, Clock& clock, Log& log,
           int telemetry_batch_max);

    // Assigns the id (and incident = id when empty) and ts (when 0), stores
    // the event in the alarm lane and returns its id once it is durable; or
    // the reason it could not be stored (the producer must hear it).
    Result<std::string> submit_event(Event event);
    // Stores an evidence image (alarm lane, published right after its event
    // on .../evidence/{event_id}); returns once durable.
    Status submit_evidence(const std::string& event_id, const std::string& content_type,
                           const std::vector<uint8_t>& bytes);
    // Stores samples as telemetry messages of at most telemetry_batch_max
    // samples; returns once all are durable (or the first error).
    Status submit_telemetry(const std::vector<Sample>& samples);

    // EventSink/SampleSink for drivers and detectors: same as above; a
    // failure is logged (their callers have no one to tell).
    void on_event(const Event& event) override;
    void on_samples(const std::vector<Sample>& samples) override;

    // Raises an event (kind "store") for each thing the store had to do on
    // its own: telemetry evicted, database full. Call periodically.
    void report_store_notices();
    // Raises `store_recovered` if the store had to move a damaged file aside.
    void report_store_recovery();

  private:
    Store& store_;
    EventIdSource& ids_;
    contract::Origin origin_;
    Clock& clock_;
    Log& log_;
    size_t batch_max_;
};

}  // namespace gw
