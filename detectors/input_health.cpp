#include "input_health.hpp"

#include <cmath>
#include <cstdio>

namespace gw::detectors {

namespace {
// "1e+308", "NaN", "-inf": a reading as a technician reads it.
std::string describe(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string describe(const InputRange& r) {
    return (r.min ? describe(*r.min) : "-inf") + std::string("..") +
           (r.max ? describe(*r.max) : "inf");
}

IncidentSpec fault_spec(const InputHealthSpec& s, const char* type, int64_t raise, int64_t clear) {
    return {s.detector, s.kind, type, "", raise, clear};
}
}  // namespace

InputHealth::InputHealth(InputHealthSpec spec, EventIdSource& ids)
    : spec_(std::move(spec)),
      silent_(fault_spec(spec_, "sensor_silent", 0, 0), ids),
      range_(fault_spec(spec_, "sensor_out_of_range", spec_.raise_hold_ms, spec_.clear_hold_ms),
             ids),
      stuck_(fault_spec(spec_, "sensor_stuck", 0, 0), ids) {}

std::optional<double> InputHealth::on_sample(const Sample& s, std::vector<Event>& out) {
    if (!start_) start_ = s.t_ms;
    std::optional<double> reading;
    if (s.quality == Quality::comm_fail) lost_ = true;
    if (s.quality == Quality::good || s.quality == Quality::out_of_range) {
        // Back after a silence: the same value again is no evidence that it
        // stood still meanwhile. (A lost poll or two is no silence.)
        if (silent(s.t_ms)) stuck_value_.reset();
        lost_ = false;
        last_heard_ = s.t_ms;
        last_value_ = s.value;
        out_of_range_ = s.quality == Quality::out_of_range || !spec_.range.contains(s.value);
        if (out_of_range_) {
            stuck_value_.reset();  // a bad reading is no evidence of a stuck one
        } else {
            reading = s.value;
            if (!stuck_value_ || *stuck_value_ != s.value) {
                stuck_value_ = s.value;
                stuck_since_ = s.t_ms;
            }
        }
    }
    evaluate(s.t_ms, out);
    return reading;
}

void InputHealth::on_tick(int64_t t_ms, std::vector<Event>& out) {
    if (!start_) start_ = t_ms;
    evaluate(t_ms, out);
}

bool InputHealth::silent(int64_t t_ms) const {
    int64_t since = last_heard_ ? *last_heard_ : start_.value_or(t_ms);
    return t_ms - since >= spec_.silent_ms;
}

bool InputHealth::stuck(int64_t t_ms) const {
    return spec_.stuck_ms > 0 && stuck_value_ && *stuck_value_ >= spec_.stuck_min &&
           t_ms - stuck_since_ >= spec_.stuck_ms;
}

bool InputHealth::trusted(int64_t t_ms) const {
    return last_heard_ && !lost_ && !silent(t_ms) && !out_of_range_ && !stuck(t_ms);
}

Observation InputHealth::fault(double value, const std::string& what) const {
    Observation o;
    // JSON has no NaN or infinity: the event says which it was in its details.
    o.value = std::isfinite(value) ? value : 0;
    o.message = spec_.role + " sensor (" + spec_.point + ") " + what;
    o.details = {{"role", spec_.role}, {"point", spec_.point}};
    return o;
}

Observation InputHealth::range_fault() const {
    if (!out_of_range_) return fault(last_value_, "in range");
    // The driver marks what it cannot decode (a Modbus float that is NaN,
    // sent on as 0): "reads 0, outside its valid range -5..500" said the
    // opposite of itself.
    const bool by_driver = std::isfinite(last_value_) && spec_.range.contains(last_value_);
    Observation o =
        by_driver ? fault(last_value_,
                          "reads no number it can use (marked by its driver: not a "
                          "number, or outside the point's min/max); valid range " +
                              describe(spec_.range))
                  : fault(last_value_, "reads " + describe(last_value_) +
                                           ", outside its valid range " + describe(spec_.range));
    if (by_driver) o.details["reading"] = "not a number";
    if (!std::isfinite(last_value_)) o.details["reading"] = describe(last_value_);
    if (spec_.range.min) o.details["valid_min"] = *spec_.range.min;
    if (spec_.range.max) o.details["valid_max"] = *spec_.range.max;
    return o;
}

void InputHealth::evaluate(int64_t t_ms, std::vector<Event>& out) {
    auto warn = [](bool on) {
        return on ? std::optional<Severity>(Severity::warning) : std::nullopt;
    };
    bool is_silent = silent(t_ms), is_stuck = stuck(t_ms);
    observe_lazily(
        silent_, t_ms, warn(is_silent),
        [&] {
            double quiet_ms =
                static_cast<double>(t_ms - last_heard_.value_or(start_.value_or(t_ms)));
            return fault(quiet_ms / 1000, is_silent ? "silent: no reading" : "reporting again");
        },
        out);
    observe_lazily(
        range_, t_ms, warn(out_of_range_), [&] { return range_fault(); }, out);
    // A sensor that sends nothing is silent, not stuck, and not moving
    // again either: its stuck fault is judged on readings only. Its last
    // value was held as if it still came: a gauge without power was
    // reported "stuck at one value" an hour after it went silent.
    if (is_silent || lost_) {
        stuck_.unknown(t_ms);
        return;
    }
    observe_lazily(
        stuck_, t_ms, warn(is_stuck),
        [&] { return fault(last_value_, is_stuck ? "stuck at one value" : "moving again"); }, out);
}

}  // namespace gw::detectors
