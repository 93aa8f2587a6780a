#include "flood_detector.hpp"

#include <algorithm>

namespace gw::detectors {

namespace {
// No rain gauge counts more than this: the 1-minute world record is ~38 mm.
// A bigger jump is a counter reset or glitch and counts as no rain.
constexpr double kMaxMmPerMinute = 40;
// Over longer spans rain averages far less: the 1-hour world record is
// ~305 mm, ~5 mm a minute. 40 mm a minute over a two-hour gap let a gauge
// restart misread as a wrap (32,539 tips) through as 1,627 mm/h.
constexpr double kMaxMmPerMinuteSustained = 5;

// The most rain a gap of `minutes` (>= 1) can have seen.
double most_rain_mm(double minutes) {
    return kMaxMmPerMinute + kMaxMmPerMinuteSustained * (minutes - 1);
}
}  // namespace

FloodDetector::FloodDetector(const DetectorConfig& config, FloodSettings s, EventIdSource& ids)
    : SensorDetector(config, ids),
      s_(std::move(s)),
      depth_bands_(s_.depth_levels_cm, {Severity::warning, Severity::alarm, Severity::critical},
                   s_.clear_margin_cm, to_ms(s_.raise_hold_s)),
      rise_bands_({s_.rise_warn_cm_per_10min, 2 * s_.rise_warn_cm_per_10min},
                  {Severity::warning, Severity::alarm}, s_.rise_warn_cm_per_10min / 2,
                  to_ms(s_.raise_hold_s)),
      rain_bands_(s_.rain_levels_mm_h, {Severity::notice, Severity::warning, Severity::alarm},
                  s_.rain_clear_margin_mm_h),
      depth_({id_, "flood", "water_depth", "cm", to_ms(s_.raise_hold_s), to_ms(s_.clear_hold_s)},
             ids),
      rise_({id_, "flood", "water_rising", "cm/10min", to_ms(s_.raise_hold_s),
             to_ms(s_.clear_hold_s)},
            ids),
      rain_({id_, "flood", "rain_intensity", "mm/h", 0, to_ms(s_.clear_hold_s)}, ids),
      rise_window_(to_ms(s_.rise_window_s)) {
    InputHealthSpec depth;
    depth.silent_ms = to_ms(s_.silent_s);
    depth.stuck_ms = to_ms(s_.stuck_s);
    depth.stuck_min = s_.depth_levels_cm.empty() ? 0 : s_.depth_levels_cm.front();
    depth.raise_hold_ms = to_ms(s_.raise_hold_s);
    depth.clear_hold_ms = to_ms(s_.raise_hold_s);
    watch("depth", depth);
    InputHealthSpec rain;
    rain.silent_ms = to_ms(s_.silent_s);
    // As the depth's: one bad counter reading a minute (a flaky RS-485
    // line) was an out-of-range raise and clear each time.
    rain.raise_hold_ms = to_ms(s_.raise_hold_s);
    rain.clear_hold_ms = to_ms(s_.raise_hold_s);
    watch("rain_counter", rain);
}

void FloodDetector::on_reading(const std::string& role, double value, int64_t t_ms) {
    if (role == "depth") rise_window_.add(t_ms, value);
    if (role == "rain_counter") count_tips(value, t_ms);
}

void FloodDetector::count_tips(double counter, int64_t t_ms) {
    if (last_count_) {
        double prev = *last_count_;
        double tips = counter - prev;
        // In double: a fuzzed trace's times span all of int64.
        const double gap_ms = static_cast<double>(t_ms) - static_cast<double>(last_count_t_);
        if (tips < 0) {
            // Wrapped past its maximum, or the gauge restarted from 0. After
            // a silence (a power cut) a drop is a restart: a wrap needs the
            // line to have been watched up to it.
            bool wrapped = s_.rain_counter_max > 0 && prev > s_.rain_counter_max / 2 &&
                           counter < s_.rain_counter_max / 2 && gap_ms <= s_.silent_s * 1000.0;
            tips = wrapped ? counter + s_.rain_counter_max + 1 - prev : counter;
        }
        if (tips * s_.mm_per_tip > most_rain_mm(std::max(1.0, gap_ms / 60000.0))) tips = 0;
        spread_tips(tips, last_count_t_ / 60000, t_ms / 60000);
    }
    last_count_ = counter;
    last_count_t_ = t_ms;
}

// The tips counted since the last reading fell over the minutes between
// the two: after a gap in the gauge's line (two hours of steady 40 mm/h),
// all of them put into the minute the line came back read as 80 mm/h, an
// orange warning for rain that never fell that hard. Only the minutes that
// the window can still see are kept.
void FloodDetector::spread_tips(double tips, int64_t from_minute, int64_t to_minute) {
    if (tips <= 0) return;
    auto add = [&](int64_t minute, double n) {
        if (!tip_minutes_.empty() && tip_minutes_.back().first == minute)
            tip_minutes_.back().second += n;
        else
            tip_minutes_.emplace_back(minute, n);
    };
    if (to_minute <= from_minute) return add(to_minute, tips);
    const double per_minute = tips / static_cast<double>(to_minute - from_minute);
    const auto window = static_cast<int64_t>(s_.rain_window_min);
    for (int64_t m = std::max(from_minute + 1, to_minute - window + 1); m <= to_minute; ++m)
        add(m, per_minute);
}

double FloodDetector::rain_mm_h(int64_t t_ms) {
    auto window_min = static_cast<int64_t>(s_.rain_window_min);
    int64_t now_min = t_ms / 60000;
    while (!tip_minutes_.empty() && tip_minutes_.front().first <= now_min - window_min)
        tip_minutes_.pop_front();
    double tips = 0;
    for (const auto& [minute, n] : tip_minutes_) tips += n;
    return tips * s_.mm_per_tip * 60.0 / s_.rain_window_min;
}

std::optional<double> FloodDetector::minutes_to_next_level(double depth,
                                                           double cm_per_10min) const {
    // Below the rate at which a rise clears, the water is not rising: no
    // "next level in ~568535439085113 min" of a level that holds.
    if (cm_per_10min < s_.rise_warn_cm_per_10min / 2) return std::nullopt;
    for (double level : s_.depth_levels_cm)
        if (level > depth) return (level - depth) / (cm_per_10min / 10.0);
    return std::nullopt;
}

// What water_rising grades: the rise over rise_window_s, unless the water
// has since stopped rising: after a flash rise and a fall the fit over the
// whole window still slopes up, and the center was told "rising, 50 cm in
// ~1 min" of water that had been falling for minutes. The last quarter of
// the window has the say when it rises slower (a noisy gauge's short fit
// is still within a fraction of the warning rate: 150 s of 1 s samples at
// 0.5 cm noise). The time to the next level follows the rise now, that
// last quarter's fit, faster or not: a flash flood speeds up, and the
// whole window's fit, still full of the dry minutes before, told "next
// level in ~26 min" of a level two minutes away.
void FloodDetector::measure_rise(int64_t t_ms) {
    rise_rate_.reset();
    auto whole = rise_window_.per_minute(t_ms);
    if (!whole) return;
    auto recent = rise_window_.per_minute_last(t_ms, to_ms(s_.rise_window_s) / 4);
    rise_rate_ =
        Rise{10 * (recent ? std::min(*whole, *recent) : *whole), 10 * (recent ? *recent : *whole)};
}

void FloodDetector::evaluate(int64_t t_ms, std::vector<Event>& out) {
    auto depth = value("depth", t_ms);
    // Sensor faults freeze the water incidents: a broken gauge neither raises
    // nor clears water.
    if (depth) {
        measure_rise(t_ms);
        evaluate_depth(t_ms, *depth, out);
        evaluate_rise(t_ms, *depth, out);
    } else {
        depth_.unknown(t_ms);
        rise_.unknown(t_ms);
    }
    if (value("rain_counter", t_ms))
        evaluate_rain(t_ms, out);
    else
        rain_.unknown(t_ms);
}

void FloodDetector::evaluate_depth(int64_t t_ms, double depth, std::vector<Event>& out) {
    observe_lazily(
        depth_, t_ms, depth_bands_.classify(depth, depth_.active(), t_ms),
        [&] {
            Observation o;
            o.value = depth;
            o.message = "water depth " + num(depth) + " cm";
            o.details = {{"depth_cm", depth}, {"levels_cm", s_.depth_levels_cm}};
            if (!rise_rate_) return o;
            const double now = rise_rate_->now;
            o.details["rise_cm_per_10min"] = rise_rate_->graded;
            o.details["rise_now_cm_per_10min"] = now;
            auto eta = minutes_to_next_level(depth, now);
            if (eta && now >= s_.rise_warn_cm_per_10min) {
                o.details["minutes_to_next_level"] = *eta;
                o.message +=
                    ", rising " + num(now) + " cm/10min, next level in ~" + num(*eta, 0) + " min";
            }
            return o;
        },
        out);
}

// A step down or a clear comes as the water falls or holds: it says so,
// not "rising -28 cm/10min".
std::string FloodDetector::rise_text(double rate, double depth) const {
    const std::string at = " at " + num(depth) + " cm";
    if (rate < 0) return "water falling " + num(-rate) + " cm/10min" + at;
    if (rate < s_.rise_warn_cm_per_10min / 2)
        return "water holding" + at + " (" + num(rate) + " cm/10min)";
    return "water rising " + num(rate) + " cm/10min" + at;
}

void FloodDetector::evaluate_rise(int64_t t_ms, double depth, std::vector<Event>& out) {
    if (!rise_rate_) {  // the window refills after a gap: unknown as long
        rise_.unknown(t_ms);
        return;
    }
    const double rate = rise_rate_->graded;
    observe_lazily(
        rise_, t_ms, rise_bands_.classify(rate, rise_.active(), t_ms),
        [&] {
            Observation o;
            o.value = rate;
            o.message = rise_text(rate, depth);
            const double now = rise_rate_->now;
            o.details = {
                {"depth_cm", depth}, {"rise_cm_per_10min", rate}, {"rise_now_cm_per_10min", now}};
            // Said only of water the grade calls rising (never after
            // "water falling"); when, by the rise now.
            auto eta = rate >= s_.rise_warn_cm_per_10min / 2 ? minutes_to_next_level(depth, now)
                                                             : std::nullopt;
            if (eta) {
                auto next = std::find_if(s_.depth_levels_cm.begin(), s_.depth_levels_cm.end(),
                                         [&](double l) { return l > depth; });
                o.details["minutes_to_next_level"] = *eta;
                o.details["next_level_cm"] = *next;
                o.message += ", " + num(*next, 0) + " cm in ~" + num(*eta, 0) + " min";
            }
            return o;
        },
        out);
}

void FloodDetector::evaluate_rain(int64_t t_ms, std::vector<Event>& out) {
    double mm_h = rain_mm_h(t_ms);
    observe_lazily(
        rain_, t_ms, rain_bands_.classify(mm_h, rain_.active(), t_ms),
        [&] {
            Observation o;
            o.value = mm_h;
            o.message = "rain " + num(mm_h) + " mm/h over " + num(s_.rain_window_min, 0) + " min";
            o.details = {{"rain_mm_h", mm_h}, {"window_min", s_.rain_window_min}};
            return o;
        },
        out);
}

}  // namespace gw::detectors
