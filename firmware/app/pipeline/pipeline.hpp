#pragma once
// Where live data meets detection: drivers hand samples here, from their own
// threads. Two workers take it from there so that alarms never wait behind
// telemetry:
//   detection: samples -> sensor detectors -> events -> store (alarm lane)
//   telemetry: samples -> report interval/deadband -> batches -> store
// Camera faults and vision events arrive through on_event and take the same
// road to the store. Everything a technician asks about lands in LiveState.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bounded_queue.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/liveness.hpp"
#include "core/log.hpp"
#include "core/log_throttle.hpp"
#include "core/result.hpp"
#include "core/sinks.hpp"
#include "detectors/detector_set.hpp"
#include "intake.hpp"
#include "live_state.hpp"
#include "telemetry_reporter.hpp"

namespace gw {

struct PipelineStats {
    uint64_t samples = 0;
    uint64_t dropped_detection = 0;  // queue full: detection fell behind
    uint64_t dropped_telemetry = 0;  // queue full: the store fell behind
    uint64_t events = 0;
    uint64_t event_failures = 0;  // events the store refused (logged)
};

// For `status`: {"samples","dropped_detection","dropped_telemetry","events","event_failures"}.
nlohmann::json pipeline_json(const PipelineStats& s);

class Pipeline final : public SampleSink, public EventSink {
  public:
    // `mode` (may be null: always normal) picks the telemetry policies.
    Pipeline(const Config& config, detectors::DetectorSet detectors, Intake& intake,
             LiveState& live, Clock& clock, Log& log, const ModeView* mode = nullptr);
    ~Pipeline() override;
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    Status start();
    // Drains what is queued (detection first), flushes telemetry, joins.
    void stop();

    void on_samples(const std::vector<Sample>& samples) override;
    void on_event(const Event& event) override;
    PipelineStats stats() const;
    // The two workers' heartbeats, for the watchdog.
    std::vector<Vital> vitals() const;

  private:
    void detection_loop();
    void telemetry_loop();
    void detect(const std::vector<std::vector<Sample>>& batches, int64_t& last_tick_ms);
    void store_batches(const std::vector<TelemetryBatch>& batches);

    detectors::DetectorSet detectors_;
    Intake& intake_;
    LiveState& live_;
    Clock& clock_;
    Log& log_;
    TelemetryReporter reporter_;
    BoundedQueue<std::vector<Sample>> detection_queue_;
    BoundedQueue<std::vector<Sample>> telemetry_queue_;
    std::thread detection_thread_;
    std::thread telemetry_thread_;
    Heartbeat detection_beat_, telemetry_beat_;
    std::atomic<uint64_t> samples_{0}, dropped_detection_{0}, dropped_telemetry_{0};
    LogThrottle detection_drops_log_, telemetry_drops_log_, stop_drops_log_;
    std::atomic<uint64_t> events_{0}, event_failures_{0};
    // Monotonic time stop() was called, -1 while running: telemetry still
    // queued then is stored for a bounded time only (a full disk makes every
    // append slow), so a stop always returns.
    std::atomic<int64_t> stop_mono_ms_{-1};
};

}  // namespace gw
