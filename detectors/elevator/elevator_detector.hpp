#pragma once
// Elevator faults (GB/T 24476 practice) from the controller's signals: a
// small state machine over doors, motion, floor, leveling zone, debounced
// presence, speed and maintenance mode. Every fault is its own incident type;
// maintenance (inspection) mode suppresses them all.
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "detectors/sensor_detector.hpp"
#include "elevator_settings.hpp"

namespace gw::detectors {

class ElevatorDetector final : public SensorDetector {
public:
    ElevatorDetector(const DetectorConfig& config, ElevatorSettings settings, EventIdSource& ids);

private:
    // What the car is doing now, from trusted inputs only (nullopt: unknown).
    struct State {
        std::optional<bool> door_open, moving, in_zone, cmd_close;
        std::optional<double> floor, speed, direction;
        bool person = false;
        bool maintenance = false;
    };
    struct Finding {
        bool on = false;
        double value = 0;
        std::string message;
    };

    void on_reading(const std::string& role, double value, int64_t t_ms) override;
    void evaluate(int64_t t_ms, std::vector<Event>& out) override;
    State state(int64_t t_ms);
    std::map<std::string, Finding> findings(const State& st, int64_t t_ms);
    void add_fault(const std::string& type, Severity severity, double hold_s);

    ElevatorSettings s_;
    std::map<std::string, IncidentTracker> faults_;
    std::map<std::string, Severity> severity_;
    // Presence debounce: the raw PIR value must hold this long to count.
    std::optional<bool> person_;
    bool person_raw_ = false;
    int64_t person_raw_since_ = 0;
    // Door/motion history for the door faults.
    bool door_open_ = false;
    bool moving_ = false;
    int64_t door_open_since_ = 0;
    int64_t moving_since_ = 0;
    std::deque<int64_t> door_opens_;  // door openings since the car last moved
};

}  // namespace gw::detectors
