#include "telemetry_reporter.hpp"

#include <algorithm>
#include <cmath>

#include "core/clock.hpp"

namespace gw {

TelemetryPolicy TelemetryReporter::default_policy() {
    PointConfig defaults;
    return {defaults.report_ms, defaults.deadband};
}

TelemetryReporter::TelemetryReporter(const std::vector<PointConfig>& points, size_t batch_max,
                                     int64_t batch_window_ms, const ModeView* mode)
    : mode_(mode), batch_max_(std::max<size_t>(1, batch_max)), window_ms_(batch_window_ms) {
    for (const auto& p : points)
        policies_[p.id] = {{p.report_ms, p.deadband},
                           {p.report_ms_emergency, p.deadband_emergency}};
}

bool TelemetryReporter::should_report(const Sample& s) {
    auto pol = policies_.find(s.point);
    const TelemetryPolicy policy = pol == policies_.end() ? default_policy()
                                   : in_emergency(mode_)  ? pol->second.emergency
                                                          : pol->second.normal;
    auto it = last_.find(s.point);
    bool report = false;
    if (it == last_.end()) {
        report = true;  // first sight of a point: the center learns its value
    } else {
        const Last& l = it->second;
        const bool moved = policy.deadband > 0.0 ? std::fabs(s.value - l.value) > policy.deadband
                                                 : s.value != l.value;
        report = s.quality != l.quality || (s.quality == Quality::good && moved) ||
                 s.t_ms - l.t_ms >= policy.report_ms || s.t_ms < l.t_ms;  // clock stepped back
    }
    if (report) last_[s.point] = {s.value, s.quality, s.t_ms};
    return report;
}

std::vector<TelemetryBatch> TelemetryReporter::on_samples(const std::vector<Sample>& samples) {
    std::vector<TelemetryBatch> out;
    for (const auto& s : samples) {
        stats_.seen++;
        // A window old, or the wall clock stepped back (the batch would
        // otherwise wait, under a steady flow that keeps flush() from
        // running, until the clock had caught up or it was full). A sample
        // read seconds before (a slow Modbus turn) is no step: closing on
        // it split batches back and forth between sources.
        if (!open_.samples.empty() &&
            (s.t_ms - open_since_ >= window_ms_ || open_since_ - s.t_ms > kClockStepMs))
            close_batch(out);
        if (!should_report(s)) continue;
        if (open_.samples.empty()) open_since_ = s.t_ms;
        open_.samples.push_back(s);
        stats_.reported++;
        if (open_.samples.size() >= batch_max_) close_batch(out);
    }
    return out;
}

std::vector<TelemetryBatch> TelemetryReporter::flush() {
    std::vector<TelemetryBatch> out;
    if (!open_.samples.empty()) close_batch(out);
    return out;
}

void TelemetryReporter::close_batch(std::vector<TelemetryBatch>& out) {
    stats_.batches++;
    out.push_back(std::move(open_));
    open_ = TelemetryBatch{};
}

}  // namespace gw
