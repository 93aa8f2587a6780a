#pragma once
// Elevator faults (GB/T 24476 practice) from the controller's signals: a
// small state machine over doors, motion, floor, leveling zone, debounced
// presence, speed and maintenance mode. Every fault is its own incident type;
// maintenance (inspection) mode suppresses them all.
#include <array>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "detectors/sensor_detector.hpp"
#include "elevator_settings.hpp"

namespace gw::detectors {

class ElevatorDetector final : public SensorDetector {
  public:
    ElevatorDetector(const DetectorConfig& config, ElevatorSettings settings, EventIdSource& ids);

  private:
    enum Fault {
        kTrappedBetween,
        kTrappedAtLanding,
        kOutsideZone,
        kOpenWhileRunning,
        kMovingWithDoorsOpen,
        kOvertravelTop,
        kOvertravelBottom,
        kOverspeed,
        kDoorCycling,
        kDoorFailToClose,
        kFaultCount
    };
    // What the car is doing now, from trusted inputs only (nullopt: unknown).
    struct State {
        std::optional<bool> door_open, moving, in_zone, cmd_close, person;
        std::optional<double> floor, speed, direction;
        bool maintenance = false;
    };
    // on: nullopt when an input the fault needs is faulty and none of the
    // trusted ones rules it out; the fault's incident then stays as it is,
    // and so does a raise hold under way.
    struct Finding {
        std::optional<bool> on = false;
        double value = 0;
    };
    struct FaultTracker {
        Severity severity;
        IncidentTracker tracker;
    };

    void on_reading(const std::string& role, double value, int64_t t_ms) override;
    void evaluate(int64_t t_ms, std::vector<Event>& out) override;
    State state(int64_t t_ms);
    void debounce_person(int64_t t_ms);
    std::array<Finding, kFaultCount> findings(const State& st, int64_t t_ms);
    std::string message(Fault fault, const Finding& f) const;
    void add_fault(Fault fault, const char* type, Severity severity, double hold_s);

    ElevatorSettings s_;
    std::vector<FaultTracker> faults_;  // indexed by Fault
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
