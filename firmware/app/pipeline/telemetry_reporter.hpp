#pragma once
// Turns the stream of point samples into telemetry batches for the store's
// telemetry lane, so a quiet site sends little: a point is reported when its
// value moves by more than its deadband, when its quality changes, or when
// report_ms passed since its last report. Pure: time comes from the samples.
// The one place telemetry is batched: Intake stores each batch as one message.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/point_config.hpp"
#include "core/mode.hpp"
#include "core/types.hpp"

namespace gw {

struct TelemetryPolicy {
    int64_t report_ms = 60000;  // heartbeat: report at least this often
    double deadband = 0.0;      // report when |value - last reported| > deadband
};

struct TelemetryBatch {
    std::vector<Sample> samples;  // in arrival order
};

struct TelemetryStats {
    uint64_t seen = 0;
    uint64_t reported = 0;
    uint64_t batches = 0;
};

class TelemetryReporter {
  public:
    // batch_max: samples per batch (uplink.telemetry_batch_max);
    // batch_window_ms: a batch is closed once its oldest sample is this much
    // older than the newest sample seen, so a slow trickle still goes out.
    // `mode` (may be null: always normal) picks each point's normal or
    // emergency policy at every sample.
    TelemetryReporter(const std::vector<PointConfig>& points, size_t batch_max,
                      int64_t batch_window_ms, const ModeView* mode = nullptr);

    // Feeds samples; returns the batches they completed (often none).
    std::vector<TelemetryBatch> on_samples(const std::vector<Sample>& samples);
    // Closes the open batch, if any (shutdown, or a timer in the caller).
    std::vector<TelemetryBatch> flush();

    const TelemetryStats& stats() const { return stats_; }
    // Policy for points not in the config (defaults of PointConfig).
    static TelemetryPolicy default_policy();

  private:
    struct Last {
        double value;
        Quality quality;
        int64_t t_ms;
    };
    bool should_report(const Sample& s);
    void close_batch(std::vector<TelemetryBatch>& out);

    struct Policies {
        TelemetryPolicy normal, emergency;
    };
    std::map<std::string, Policies> policies_;
    const ModeView* mode_;
    std::map<std::string, Last> last_;
    size_t batch_max_;
    int64_t window_ms_;
    TelemetryBatch open_;
    int64_t open_since_ = 0;
    TelemetryStats stats_;
};

}  // namespace gw
