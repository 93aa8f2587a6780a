#pragma once
// Common plumbing of the sensor detectors: routes samples of the mapped
// points to their roles, keeps each input's health (sensor faults) and last
// trusted reading, keeps time monotonic, and calls evaluate() after every
// sample and tick so holds expire on time.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "detector.hpp"
#include "input_health.hpp"

namespace gw::detectors {

// Settings give durations in seconds; detectors count on the clock's ms.
inline int64_t to_ms(double seconds) {
    return static_cast<int64_t>(seconds * 1000);
}

class SensorDetector : public Detector {
  public:
    const std::string& id() const override { return id_; }
    std::vector<std::string> points() const override;
    void on_sample(const Sample& sample, std::vector<Event>& out) override;
    void on_tick(int64_t t_ms, std::vector<Event>& out) override;

  protected:
    SensorDetector(const DetectorConfig& config, EventIdSource& ids);

    bool has(const std::string& role) const { return inputs_.count(role) > 0; }
    // Starts watching a mapped role's health; spec.detector/kind/role/point
    // and its valid range (the role's default, overridden by its point's
    // min/max) are filled in.
    void watch(const std::string& role, InputHealthSpec spec);
    // The last reading of `role` if its input is trusted right now.
    std::optional<double> value(const std::string& role, int64_t t_ms) const;
    // A trusted good reading of `role` arrived (before evaluate()).
    virtual void on_reading(const std::string& role, double value, int64_t t_ms) = 0;
    virtual void evaluate(int64_t t_ms, std::vector<Event>& out) = 0;

    static void emit(std::optional<Event> e, std::vector<Event>& out) {
        if (e) out.push_back(std::move(*e));
    }

    std::string id_;
    std::string kind_;
    EventIdSource& ids_;

  private:
    std::map<std::string, std::string> inputs_;  // role -> point
    std::map<std::string, InputRange> ranges_;   // role -> valid range
    std::map<std::string, InputHealth> health_;  // role -> health
    std::map<std::string, double> last_;         // role -> last usable reading
    int64_t now_ = INT64_MIN;
    bool pending_ = false;  // samples at now_ not yet evaluated
};

// A number for a human message: fixed decimals, no trailing noise.
std::string num(double v, int decimals = 1);

// A least-squares slope (units per minute) over a sliding time window,
// without the one reading far off the line the others make (a glitch);
// bounded: older points leave the window, and at most `max_points` are kept.
class SlopeWindow {
  public:
    SlopeWindow(int64_t window_ms, size_t max_points = 4096)
        : window_ms_(window_ms), max_points_(max_points) {}
    void add(int64_t t_ms, double v);
    // Slope per minute once the points span at least half the window.
    std::optional<double> per_minute(int64_t t_ms);
    // The same over the last `span_ms` of it only (once they span half of it).
    std::optional<double> per_minute_last(int64_t t_ms, int64_t span_ms);

  private:
    struct Point {
        int64_t t_ms;
        double v;
    };
    using Iter = std::vector<Point>::const_iterator;
    struct Line {
        double t0 = 0;      // ms, the first point's: sums stay well conditioned
        double mean_t = 0;  // minutes after t0
        double mean_v = 0;
        double slope = 0;  // per minute
        double at(int64_t t_ms) const;
    };
    // The least-squares line through [first, last) without `skip` (last:
    // none), once those points span half of span_ms.
    static std::optional<Line> fit(Iter first, Iter last, Iter skip, int64_t span_ms);
    int64_t window_ms_;
    size_t max_points_;
    int64_t gap_ms_ = 0;  // once full: the spacing points are kept at
    std::vector<Point> points_;
};

}  // namespace gw::detectors
