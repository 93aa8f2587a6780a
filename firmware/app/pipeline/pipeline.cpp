#include "pipeline.hpp"

namespace gw {
namespace {
// Sample batches (one per poll) queued at most; about a minute of a busy site.
constexpr size_t kQueueBatches = 20000;
constexpr int kTickMs = 1000;
constexpr int64_t kTelemetryWindowMs = 1000;
}  // namespace

Pipeline::Pipeline(const Config& config, detectors::DetectorSet detectors, Intake& intake,
                   LiveState& live, Clock& clock, Log& log, const ModeView* mode)
    : detectors_(std::move(detectors)),
      intake_(intake),
      live_(live),
      clock_(clock),
      log_(log),
      reporter_(config.points, static_cast<size_t>(config.uplink.telemetry_batch_max),
                kTelemetryWindowMs, mode),
      detection_queue_(kQueueBatches),
      telemetry_queue_(kQueueBatches) {}

Pipeline::~Pipeline() {
    stop();
}

Status Pipeline::start() {
    detection_thread_ = std::thread([this] { detection_loop(); });
    telemetry_thread_ = std::thread([this] { telemetry_loop(); });
    return Status::success();
}

void Pipeline::stop() {
    stop_mono_ms_ = clock_.mono_ms();
    detection_queue_.close();
    telemetry_queue_.close();
    if (detection_thread_.joinable()) detection_thread_.join();
    if (telemetry_thread_.joinable()) telemetry_thread_.join();
}

void Pipeline::on_samples(const std::vector<Sample>& samples) {
    if (samples.empty()) return;
    samples_ += samples.size();
    live_.on_samples(samples);
    if (!detection_queue_.push(samples)) {
        const uint64_t dropped = ++dropped_detection_;
        if (uint64_t n = detection_drops_log_.note(clock_.mono_ms()))
            log_.error("pipeline", "detection queue full: samples not evaluated",
                       {{"dropped_batches", dropped}, {"since_last_line", n}});
    }
    if (!telemetry_queue_.push(samples)) {
        const uint64_t dropped = ++dropped_telemetry_;
        if (uint64_t n = telemetry_drops_log_.note(clock_.mono_ms()))
            log_.warn("pipeline", "telemetry queue full: samples not reported",
                      {{"dropped_batches", dropped}, {"since_last_line", n}});
    }
}

void Pipeline::on_event(const Event& event) {
    auto stored = intake_.store_event(event);
    if (!stored) {
        ++event_failures_;
        log_.error("pipeline", "event not stored",
                   {{"type", event.type}, {"detector", event.detector}, {"error", stored.error()}});
        return;
    }
    ++events_;
}

void Pipeline::detection_loop() {
    int64_t last_tick_ms = 0;
    for (;;) {
        detection_beat_.beat(clock_.mono_ms());
        auto batches = detection_queue_.pop_all(kTickMs);
        detect(batches, last_tick_ms);
        if (batches.empty() && detection_queue_.closed()) return;
    }
}

void Pipeline::detect(const std::vector<std::vector<Sample>>& batches, int64_t& last_tick_ms) {
    std::vector<Event> out;
    for (const auto& batch : batches) {
        // Judged as a whole at the time it is now rather than at the next
        // poll: a batch's samples may be seconds old (a slow device turn).
        if (!batch.empty()) detectors_.on_samples(batch, {clock_.now_ms(), clock_.mono_ms()}, out);
    }
    // Silence and hold expiry need time to pass even when nothing arrives.
    // A wall clock stepped back ticks at once too (the detector set takes
    // the step out), rather than not at all until the clock caught up.
    const int64_t now = clock_.now_ms();
    if (now - last_tick_ms >= kTickMs || now < last_tick_ms) {
        detectors_.on_tick({now, clock_.mono_ms()}, out);
        last_tick_ms = now;
    }
    // Each event waits for its commit: a burst on a slow disk is progress.
    for (const auto& e : out) {
        on_event(e);
        detection_beat_.beat(clock_.mono_ms());
    }
}

std::vector<Vital> Pipeline::vitals() const {
    return {{"pipeline.detection", &detection_beat_}, {"pipeline.telemetry", &telemetry_beat_}};
}

void Pipeline::telemetry_loop() {
    for (;;) {
        telemetry_beat_.beat(clock_.mono_ms());
        auto batches = telemetry_queue_.pop_all(static_cast<int>(kTelemetryWindowMs));
        for (const auto& samples : batches) store_batches(reporter_.on_samples(samples));
        // The reporter closes a batch once a sample a window newer arrives;
        // when none came for a whole window, close it here, so a trickle
        // still leaves within about a second. Closing after every poll
        // instead made one stored row (one fsync) per poll.
        if (batches.empty()) store_batches(reporter_.flush());
        if (batches.empty() && telemetry_queue_.closed()) return;
    }
}

void Pipeline::store_batches(const std::vector<TelemetryBatch>& batches) {
    // Telemetry is not an accepted event: at stop it may be left out, said
    // in the log, rather than hold the stop (alarms are stored by the
    // detection thread, which is not bounded).
    constexpr int64_t kStopBudgetMs = 5000;
    const int64_t stop = stop_mono_ms_;
    // All at once, so a backlog of batches (a burst, a slow disk) shares
    // commits instead of waiting for one each.
    std::vector<std::future<Status>> pending;
    pending.reserve(batches.size());
    for (const auto& b : batches) {
        if (stop >= 0 && clock_.mono_ms() - stop > kStopBudgetMs) {
            const uint64_t dropped = ++dropped_telemetry_;
            if (uint64_t n = stop_drops_log_.note(clock_.mono_ms()))
                log_.warn("pipeline", "stopping: telemetry left out after 5 s",
                          {{"dropped_batches", dropped}, {"since_last_line", n}});
            continue;
        }
        pending.push_back(intake_.submit_telemetry_async(b.samples));
    }
    // One line for the lot: a full store refuses every batch alike.
    int refused = 0;
    std::string why;
    for (auto& f : pending) {
        if (auto s = f.get(); !s && refused++ == 0) why = s.error();
        telemetry_beat_.beat(clock_.mono_ms());
    }
    if (refused > 0)
        log_.warn("pipeline", "telemetry not stored", {{"batches", refused}, {"error", why}});
}

nlohmann::json pipeline_json(const PipelineStats& s) {
    return {{"samples", s.samples},
            {"dropped_detection", s.dropped_detection},
            {"dropped_telemetry", s.dropped_telemetry},
            {"events", s.events},
            {"event_failures", s.event_failures}};
}

PipelineStats Pipeline::stats() const {
    return {samples_.load(), dropped_detection_.load(), dropped_telemetry_.load(), events_.load(),
            event_failures_.load()};
}

}  // namespace gw
