#include "fire_detector.hpp"

#include <algorithm>
#include <cmath>

namespace gw::detectors {

namespace {
std::optional<Severity> alarm_if(bool on) {
    return on ? std::optional<Severity>(Severity::alarm) : std::nullopt;
}
}  // namespace

FireDetector::FireDetector(const DetectorConfig& config, FireSettings s, EventIdSource& ids)
    : SensorDetector(config, ids),
      s_(std::move(s)),
      fixed_bands_({s_.fixed_temperature()}, {Severity::alarm}, s_.temp_clear_margin_c,
                   to_ms(s_.hold_s)),
      cable_bands_({s_.cable_temp_c}, {Severity::alarm}, s_.temp_clear_margin_c, to_ms(s_.hold_s)),
      residual_bands_({s_.residual_ma}, {Severity::alarm}, s_.residual_clear_margin_ma,
                      to_ms(s_.hold_s)),
      heat_fixed_({id_, "fire", "heat_fixed", "C", to_ms(s_.hold_s), to_ms(s_.clear_hold_s)}, ids),
      heat_ror_(
          {id_, "fire", "heat_rate_of_rise", "C/min", to_ms(s_.hold_s), to_ms(s_.clear_hold_s)},
          ids),
      smoke_({id_, "fire", "smoke", "", to_ms(s_.hold_s), to_ms(s_.clear_hold_s)}, ids),
      co_({id_, "fire", "co", "ppm", 0, to_ms(s_.clear_hold_s)}, ids),
      residual_({id_, "fire", "residual_current", "mA", to_ms(s_.hold_s), to_ms(s_.clear_hold_s)},
                ids),
      cable_({id_, "fire", "cable_temperature", "C", to_ms(s_.hold_s), to_ms(s_.clear_hold_s)},
             ids),
      confirmed_({id_, "fire", "fire_confirmed", "", 0, 0}, ids),
      temp_window_(to_ms(s_.ror_window_s)) {
    for (const char* role : {"temperature", "smoke", "co_ppm", "residual_ma", "cable_temp"}) {
        InputHealthSpec h;
        h.silent_ms = to_ms(s_.silent_s);
        h.raise_hold_ms = to_ms(s_.hold_s);
        h.clear_hold_ms = to_ms(s_.hold_s);
        watch(role, h);
    }
}

void FireDetector::on_reading(const std::string& role, double value, int64_t t_ms) {
    if (role == "temperature") temp_window_.add(t_ms, value);
    if (role == "co_ppm") {
        integrate_co(t_ms);
        co_ppm_ = std::max(0.0, value);
    }
}

void FireDetector::integrate_co(int64_t t_ms) {
    // A gap longer than the silence limit carries no concentration: the dose
    // is neither grown nor decayed across it.
    int64_t dt = std::min<int64_t>(t_ms - co_t_, to_ms(s_.silent_s));
    if (co_ppm_ && dt > 0) {
        double k = 1.0 - std::exp(-static_cast<double>(dt) / 60000.0 / s_.co_tau_min);
        co_dose_ += (*co_ppm_ - co_dose_) * k;
    }
    co_t_ = t_ms;
}

void FireDetector::evaluate(int64_t t_ms, std::vector<Event>& out) {
    evaluate_heat(t_ms, out);
    evaluate_smoke(t_ms, out);
    evaluate_co(t_ms, out);
    evaluate_level(residual_, residual_bands_, "residual_ma", "residual current", t_ms, out);
    evaluate_level(cable_, cable_bands_, "cable_temp", "cable temperature", t_ms, out);
    evaluate_confirmed(t_ms, out);
}

void FireDetector::evaluate_heat(int64_t t_ms, std::vector<Event>& out) {
    auto temp = value("temperature", t_ms);
    if (!temp) {
        heat_fixed_.unknown(t_ms);
        heat_ror_.unknown(t_ms);
        return;
    }
    double fixed = s_.fixed_temperature();
    observe_lazily(
        heat_fixed_, t_ms, fixed_bands_.classify(*temp, heat_fixed_.active(), t_ms),
        [&] {
            Observation o;
            o.value = *temp;
            o.message = "temperature " + num(*temp) + " C (class " + s_.heat_class + " fixed " +
                        num(fixed, 0) + " C)";
            o.details = {{"temperature_c", *temp}, {"fixed_c", fixed}, {"class", s_.heat_class}};
            return o;
        },
        out);
    if (!s_.rate_of_rise) return;
    auto rate = temp_window_.per_minute(t_ms);
    if (!rate) {  // the window refills after a gap: unknown as long
        heat_ror_.unknown(t_ms);
        return;
    }
    // Hysteresis: once alarming, the rise must fall below half the setting.
    // Only once the incident is raised: a single noisy fit above the setting
    // latched it before, and half the setting held through the raise hold.
    ror_alarm_ = *rate >= s_.ror_c_per_min || (heat_ror_.active() && *rate >= s_.ror_c_per_min / 2);
    observe_lazily(
        heat_ror_, t_ms, alarm_if(ror_alarm_),
        [&] {
            Observation o;
            o.value = *rate;
            o.message = "temperature rising " + num(*rate) + " C/min at " + num(*temp) + " C";
            o.details = {{"temperature_c", *temp}, {"rate_c_per_min", *rate}};
            return o;
        },
        out);
}

void FireDetector::evaluate_smoke(int64_t t_ms, std::vector<Event>& out) {
    auto smoke = value("smoke", t_ms);
    if (!smoke) {
        smoke_.unknown(t_ms);
        return;
    }
    bool on = *smoke >= 0.5;
    observe_lazily(
        smoke_, t_ms, alarm_if(on),
        [&] {
            Observation o;
            o.value = *smoke;
            o.message = on ? "smoke detected" : "no smoke";
            return o;
        },
        out);
}

void FireDetector::evaluate_co(int64_t t_ms, std::vector<Event>& out) {
    if (!value("co_ppm", t_ms)) {
        co_.unknown(t_ms);
        return;
    }
    integrate_co(t_ms);
    co_alarm_ = co_dose_ >= s_.co_alarm_ppm || (co_.active() && co_dose_ >= 0.8 * s_.co_alarm_ppm);
    observe_lazily(
        co_, t_ms, alarm_if(co_alarm_),
        [&] {
            Observation o;
            o.value = *co_ppm_;
            o.message = "CO " + num(*co_ppm_, 0) + " ppm, dose " + num(co_dose_) +
                        " ppm-eq (alarm at " + num(s_.co_alarm_ppm, 0) + ")";
            o.details = {{"co_ppm", *co_ppm_}, {"dose_ppm_eq", co_dose_}};
            return o;
        },
        out);
}

void FireDetector::evaluate_level(IncidentTracker& tracker, LevelBands& bands,
                                  const std::string& role, const std::string& what, int64_t t_ms,
                                  std::vector<Event>& out) {
    auto v = value(role, t_ms);
    if (!v) {
        tracker.unknown(t_ms);
        return;
    }
    observe_lazily(
        tracker, t_ms, bands.classify(*v, tracker.active(), t_ms),
        [&] {
            Observation o;
            o.value = *v;
            o.message = what + " " + num(*v) + " " + tracker.spec().unit;
            return o;
        },
        out);
}

void FireDetector::evaluate_confirmed(int64_t t_ms, std::vector<Event>& out) {
    std::vector<std::string> criteria;
    if (heat_fixed_.active() || heat_ror_.active()) criteria.emplace_back("heat");
    if (smoke_.active()) criteria.emplace_back("smoke");
    if (co_.active()) criteria.emplace_back("co");
    if (residual_.active() || cable_.active()) criteria.emplace_back("electrical");
    bool confirmed = criteria.size() >= 2;
    std::optional<Severity> sev;
    if (confirmed) sev = Severity::critical;
    observe_lazily(
        confirmed_, t_ms, sev,
        [&] {
            Observation o;
            o.value = static_cast<double>(criteria.size());
            nlohmann::json list = criteria;
            o.message =
                confirmed ? "fire confirmed by " + list.dump() : "fewer than two fire criteria";
            o.details = {{"criteria", list}};
            return o;
        },
        out);
}

}  // namespace gw::detectors
