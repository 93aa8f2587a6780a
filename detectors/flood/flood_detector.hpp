#pragma once
// Flood (waterlogging): depth levels with hysteresis and holds, rate of rise
// with the estimated time to the next level, rain intensity from a tipping
// bucket counter over a sliding window, and depth/rain sensor faults.
#include <deque>
#include <optional>
#include <utility>

#include "detectors/sensor_detector.hpp"
#include "flood_settings.hpp"

namespace gw::detectors {

class FloodDetector final : public SensorDetector {
  public:
    FloodDetector(const DetectorConfig& config, FloodSettings settings, EventIdSource& ids);

  private:
    void on_reading(const std::string& role, double value, int64_t t_ms) override;
    void evaluate(int64_t t_ms, std::vector<Event>& out) override;
    void count_tips(double counter, int64_t t_ms);
    void spread_tips(double tips, int64_t from_minute, int64_t to_minute);
    double rain_mm_h(int64_t t_ms);
    std::optional<double> minutes_to_next_level(double depth, double cm_per_10min) const;
    std::string rise_text(double rate, double depth) const;
    void evaluate_depth(int64_t t_ms, double depth, std::vector<Event>& out);
    void measure_rise(int64_t t_ms);
    void evaluate_rise(int64_t t_ms, double depth, std::vector<Event>& out);
    void evaluate_rain(int64_t t_ms, std::vector<Event>& out);

    FloodSettings s_;
    LevelBands depth_bands_;
    LevelBands rise_bands_;
    LevelBands rain_bands_;
    IncidentTracker depth_;
    IncidentTracker rise_;
    IncidentTracker rain_;
    SlopeWindow rise_window_;
    // The rise in cm/10min (measure_rise), once the window can tell it.
    struct Rise {
        double graded;  // what water_rising grades
        double now;     // the rise now, which the time to the next level follows
    };
    std::optional<Rise> rise_rate_;
    std::optional<double> last_count_;
    int64_t last_count_t_ = 0;
    std::deque<std::pair<int64_t, double>> tip_minutes_;  // (minute index, tips)
};

}  // namespace gw::detectors
