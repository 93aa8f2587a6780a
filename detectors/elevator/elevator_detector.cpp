#include "elevator_detector.hpp"

#include <cassert>
#include <cmath>

namespace gw::detectors {

namespace {
// Three-valued logic over the trusted inputs: nullopt is "unknown" (a
// faulty input), and a known false decides a conjunction on its own.
using Tri = std::optional<bool>;
Tri as_bool(std::optional<double> v) {
    if (!v) return std::nullopt;
    return *v >= 0.5;
}
Tri both(Tri a, Tri b) {
    if (a == false || b == false) return false;
    if (!a || !b) return std::nullopt;
    return true;
}
Tri both(Tri a, Tri b, Tri c) {
    return both(both(a, b), c);
}
Tri negate(Tri a) {
    if (!a) return std::nullopt;
    return !*a;
}
Tri known(bool b) {
    return b;
}
}  // namespace

ElevatorDetector::ElevatorDetector(const DetectorConfig& config, ElevatorSettings s,
                                   EventIdSource& ids)
    : SensorDetector(config, ids), s_(std::move(s)) {
    add_fault(kTrappedBetween, "entrapment_between_floors", Severity::critical, s_.entrapment_s);
    add_fault(kTrappedAtLanding, "entrapment_at_landing", Severity::alarm, s_.entrapment_s);
    add_fault(kOutsideZone, "stopped_outside_zone", Severity::alarm, s_.outside_zone_s);
    add_fault(kOpenWhileRunning, "door_open_while_running", Severity::critical, s_.door_fault_s);
    add_fault(kMovingWithDoorsOpen, "moving_with_doors_open", Severity::critical, s_.door_fault_s);
    add_fault(kOvertravelTop, "overtravel_top", Severity::critical, 0);
    add_fault(kOvertravelBottom, "overtravel_bottom", Severity::critical, 0);
    add_fault(kOverspeed, "overspeed", Severity::critical, 0);
    add_fault(kDoorCycling, "door_cycling", Severity::warning, 0);
    add_fault(kDoorFailToClose, "door_fail_to_close", Severity::warning,
              has("door_cmd_close") ? s_.door_close_s : s_.door_open_max_s);
    for (const char* role : {"door_open", "moving", "direction", "floor", "in_zone", "person",
                             "speed", "maintenance", "door_cmd_close"}) {
        InputHealthSpec h;
        h.silent_ms = to_ms(s_.silent_s);
        h.raise_hold_ms = to_ms(s_.clear_hold_s);
        h.clear_hold_ms = to_ms(s_.clear_hold_s);
        watch(role, h);
    }
}

void ElevatorDetector::add_fault([[maybe_unused]] Fault fault, const char* type, Severity severity,
                                 double hold_s) {
    // Added in enum order: faults_[fault] is that fault's tracker.
    assert(static_cast<size_t>(fault) == faults_.size());
    faults_.push_back(
        {severity, IncidentTracker(
                       {id_, "elevator", type, "", to_ms(hold_s), to_ms(s_.clear_hold_s)}, ids_)});
}

void ElevatorDetector::on_reading(const std::string& role, double value, int64_t t_ms) {
    bool on = value >= 0.5;
    if (role == "person") {
        if (!person_) person_ = on;
        if (on != person_raw_) person_raw_since_ = t_ms;
        person_raw_ = on;
    } else if (role == "door_open") {
        if (on && !door_open_) {
            door_open_since_ = t_ms;
            door_opens_.push_back(t_ms);
        }
        door_open_ = on;
    } else if (role == "moving") {
        if (on && !moving_) moving_since_ = t_ms;
        if (on) door_opens_.clear();  // cycling counts only while the car stands
        moving_ = on;
    }
}

ElevatorDetector::State ElevatorDetector::state(int64_t t_ms) {
    State st;
    st.door_open = as_bool(value("door_open", t_ms));
    st.moving = as_bool(value("moving", t_ms));
    st.in_zone = as_bool(value("in_zone", t_ms));
    st.cmd_close = as_bool(value("door_cmd_close", t_ms));
    st.floor = value("floor", t_ms);
    st.speed = value("speed", t_ms);
    st.direction = value("direction", t_ms);
    st.maintenance = as_bool(value("maintenance", t_ms)).value_or(false);
    debounce_person(t_ms);
    if (value("person", t_ms)) st.person = person_.value_or(false);
    return st;
}

void ElevatorDetector::debounce_person(int64_t t_ms) {
    if (person_ && person_raw_ != *person_ && t_ms - person_raw_since_ >= to_ms(s_.pir_debounce_s))
        person_ = person_raw_;
}

std::array<ElevatorDetector::Finding, ElevatorDetector::kFaultCount> ElevatorDetector::findings(
    const State& st, int64_t t_ms) {
    std::array<Finding, kFaultCount> f{};
    const Tri standing = negate(st.moving);
    const Tri closed = negate(st.door_open);
    const Tri trapped = both(st.person, standing, closed);
    // Without an in-zone input a stop is taken to be at a landing; a faulty
    // one too for entrapment, which must be raised either way.
    const Tri zone = has("in_zone") ? st.in_zone : known(true);
    f[kTrappedBetween] = {both(trapped, negate(zone)), 1};
    f[kTrappedAtLanding] = {both(trapped, known(zone != false)), 1};
    f[kOutsideZone] = {both(standing, negate(zone)), 0};
    const Tri open_moving = both(st.moving, st.door_open);
    // Which came first tells the two faults apart: doors opening during a run
    // versus the car starting off with its doors open.
    const bool opened_during_run = moving_since_ < door_open_since_;
    f[kOpenWhileRunning] = {both(open_moving, known(opened_during_run)), 1};
    f[kMovingWithDoorsOpen] = {both(open_moving, known(!opened_during_run)), 1};
    const double floor = st.floor.value_or(0);
    f[kOvertravelTop] = {st.floor ? Tri(floor > s_.max_floor) : std::nullopt, floor};
    f[kOvertravelBottom] = {st.floor ? Tri(floor < s_.min_floor) : std::nullopt, floor};
    // A signed speed sensor reports a descent as negative: a car falling
    // too fast is the overspeed that matters most.
    const double limit = s_.rated_speed_m_s * s_.overspeed_ratio;
    const double speed = std::fabs(st.speed.value_or(0));
    f[kOverspeed] = {st.speed ? Tri(speed >= limit) : std::nullopt, speed};
    while (!door_opens_.empty() && t_ms - door_opens_.front() > to_ms(s_.door_cycle_window_s))
        door_opens_.pop_front();
    const auto cycles = static_cast<double>(door_opens_.size());
    // Raised at door_cycles openings in the window; held while the door
    // still opens at half that rate. A door reopening every 14 s counts 5
    // and 4 by turns as the oldest opening leaves the window, and was raised
    // and cleared every cycle for as long as the fault lasted.
    const double cycling_at =
        faults_[kDoorCycling].tracker.active() ? s_.door_cycles / 2 : s_.door_cycles;
    f[kDoorCycling] = {both(standing, known(cycles >= cycling_at)), cycles};
    const Tri fail_close =
        has("door_cmd_close") ? both(st.cmd_close, st.door_open) : both(st.door_open, standing);
    f[kDoorFailToClose] = {fail_close, 1};
    return f;
}

std::string ElevatorDetector::message(Fault fault, const Finding& f) const {
    if (f.on != true) return "ok";
    switch (fault) {
        case kTrappedBetween:
            return "person trapped between floors, doors closed";
        case kTrappedAtLanding:
            return "person trapped at a landing, doors do not open";
        case kOutsideZone:
            return "car stopped outside the door zone";
        case kOpenWhileRunning:
            return "doors opened while the car was running";
        case kMovingWithDoorsOpen:
            return "car started moving with its doors open";
        case kOvertravelTop:
            return "car above the top floor " + num(s_.max_floor, 0);
        case kOvertravelBottom:
            return "car below the bottom floor " + num(s_.min_floor, 0);
        case kOverspeed:
            return "speed " + num(f.value, 2) +
                   " m/s >= " + num(s_.rated_speed_m_s * s_.overspeed_ratio, 2) + " m/s";
        case kDoorCycling:
            return num(f.value, 0) + " door cycles in " + num(s_.door_cycle_window_s, 0) +
                   " s without moving";
        case kDoorFailToClose:
            return "doors do not close";
        case kFaultCount:
            break;
    }
    return "";
}

void ElevatorDetector::evaluate(int64_t t_ms, std::vector<Event>& out) {
    State st = state(t_ms);
    auto found = findings(st, t_ms);
    for (int i = 0; i < kFaultCount; ++i) {
        const Finding& f = found[i];
        // A faulty input freezes what depends on it: a broken PIR must not
        // clear an entrapment while the passenger is still inside.
        if (!f.on) {
            faults_[i].tracker.unknown(t_ms);
            continue;
        }
        const bool on = f.on.value_or(false);
        std::optional<Severity> sev;
        // Maintenance (inspection) mode: a technician is working on the car.
        if (on && !st.maintenance) sev = faults_[i].severity;
        observe_lazily(
            faults_[i].tracker, t_ms, sev,
            [&] {
                Observation o;
                o.value = f.value;
                o.message = message(static_cast<Fault>(i), f);
                if (st.maintenance && on) o.message += " (maintenance mode: suppressed)";
                o.details = {{"maintenance", st.maintenance},
                             {"person", st.person.value_or(false)}};
                if (st.floor) o.details["floor"] = *st.floor;
                if (st.speed) o.details["speed_m_s"] = *st.speed;
                if (st.direction) o.details["direction"] = *st.direction;
                if (st.in_zone) o.details["in_zone"] = *st.in_zone;
                return o;
            },
            out);
    }
}

}  // namespace gw::detectors
