#include "input_health.hpp"

#include <cmath>

namespace gw::detectors {

namespace {
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
    if (s.quality == Quality::out_of_range) {
        out_of_range_ = true;
    } else if (s.quality == Quality::good && std::isfinite(s.value)) {
        last_good_ = s.t_ms;
        last_value_ = s.value;
        out_of_range_ = s.value < spec_.min || s.value > spec_.max;
        if (!out_of_range_) reading = s.value;
        if (!stuck_value_ || *stuck_value_ != s.value) {
            stuck_value_ = s.value;
            stuck_since_ = s.t_ms;
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
    int64_t since = last_good_ ? *last_good_ : start_.value_or(t_ms);
    return t_ms - since >= spec_.silent_ms;
}

bool InputHealth::stuck(int64_t t_ms) const {
    return spec_.stuck_ms > 0 && stuck_value_ && *stuck_value_ >= spec_.stuck_min &&
           t_ms - stuck_since_ >= spec_.stuck_ms;
}

bool InputHealth::trusted(int64_t t_ms) const {
    return last_good_ && !silent(t_ms) && !out_of_range_ && !stuck(t_ms);
}

Observation InputHealth::fault(double value, const std::string& what) const {
    Observation o;
    o.value = value;
    o.message = spec_.role + " sensor (" + spec_.point + ") " + what;
    o.details = {{"role", spec_.role}, {"point", spec_.point}};
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
                static_cast<double>(t_ms - last_good_.value_or(start_.value_or(t_ms)));
            return fault(quiet_ms / 1000, is_silent ? "silent: no good sample" : "reporting again");
        },
        out);
    observe_lazily(
        range_, t_ms, warn(out_of_range_),
        [&] {
            return fault(last_value_, out_of_range_ ? "reads out of its valid range" : "in range");
        },
        out);
    observe_lazily(
        stuck_, t_ms, warn(is_stuck),
        [&] { return fault(last_value_, is_stuck ? "stuck at one value" : "moving again"); }, out);
}

}  // namespace gw::detectors
