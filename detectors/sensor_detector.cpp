#include "sensor_detector.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>

namespace gw::detectors {

SensorDetector::SensorDetector(const DetectorConfig& config, EventIdSource& ids)
    : id_(config.id), kind_(config.kind), ids_(ids), inputs_(config.inputs) {
    // One rule for every input: the role's physical range from the kind's
    // settings, each bound its point sets (min/max) replacing the default's.
    for (const auto& [role, point] : inputs_) {
        InputRange range = config.settings ? config.settings->input_range(role) : InputRange{};
        auto own = config.input_ranges.find(role);
        if (own != config.input_ranges.end()) range = range.overridden_by(own->second);
        ranges_[role] = range;
    }
}

std::vector<std::string> SensorDetector::points() const {
    std::vector<std::string> out;
    for (const auto& [role, point] : inputs_)
        if (std::find(out.begin(), out.end(), point) == out.end()) out.push_back(point);
    return out;
}

void SensorDetector::watch(const std::string& role, InputHealthSpec spec) {
    auto it = inputs_.find(role);
    if (it == inputs_.end()) return;
    spec.detector = id_;
    spec.kind = kind_;
    spec.role = role;
    spec.point = it->second;
    spec.range = ranges_.at(role);
    health_.erase(role);
    health_.emplace(role, InputHealth(std::move(spec), ids_));
}

std::optional<double> SensorDetector::value(const std::string& role, int64_t t_ms) const {
    auto h = health_.find(role);
    auto v = last_.find(role);
    if (h == health_.end() || v == last_.end() || !h->second.trusted(t_ms)) return std::nullopt;
    return v->second;
}

void SensorDetector::on_sample(const Sample& sample, std::vector<Event>& out) {
    // Samples with one timestamp are one snapshot (a poll of a device): they
    // are judged together once time moves on, never in a half-updated state
    // (car stopped but its zone flag not yet read).
    if (sample.t_ms > now_ && pending_) evaluate(now_, out);
    pending_ = false;
    // Time never runs backwards inside a detector: a late sample counts as now.
    now_ = std::max(now_, sample.t_ms);
    Sample s = sample;
    s.t_ms = now_;
    for (const auto& [role, point] : inputs_) {
        if (point != s.point) continue;
        auto h = health_.find(role);
        if (h == health_.end()) continue;
        auto reading = h->second.on_sample(s, out);
        pending_ = true;
        if (!reading) continue;
        last_[role] = *reading;
        on_reading(role, *reading, now_);
    }
}

void SensorDetector::on_tick(int64_t t_ms, std::vector<Event>& out) {
    if (t_ms < now_) return;
    if (t_ms > now_ && pending_) evaluate(now_, out);
    pending_ = false;
    now_ = t_ms;
    for (auto& [role, h] : health_) h.on_tick(now_, out);
    evaluate(now_, out);
}

namespace {
// later - earlier, saturated: a fuzzed trace's times span all of int64.
int64_t span_ms(int64_t later, int64_t earlier) {
    int64_t d = 0;
    if (__builtin_sub_overflow(later, earlier, &d)) return later > earlier ? INT64_MAX : INT64_MIN;
    return d;
}
}  // namespace

std::string num(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// Full, the points are thinned to an even spacing over the window, and
// from then on a new point closer than that to the one before the last
// takes the last one's place (the newest reading always counts). Dropping
// the oldest, a 3 h rise window polled every second held its last 68
// minutes, never half of it, and the rise was never judged; halving all the
// points at each fill left the older part ever sparser, and the fit leaning
// on the newest readings.
void SlopeWindow::add(int64_t t_ms, double v) {
    const size_t n = points_.size();
    if (gap_ms_ > 0 && n >= 2 && span_ms(t_ms, points_[n - 2].t_ms) < gap_ms_) {
        points_.back() = {t_ms, v};
        return;
    }
    points_.push_back({t_ms, v});
    if (points_.size() <= max_points_) return;
    // What the window no longer sees goes first (per_minute does this too,
    // but a window nobody asks, a fire's with rate_of_rise off, is bounded
    // here).
    points_.erase(points_.begin(),
                  std::find_if(points_.begin(), points_.end(), [&](const Point& p) {
                      return span_ms(t_ms, p.t_ms) <= window_ms_;
                  }));
    gap_ms_ = std::max<int64_t>(1, 2 * window_ms_ / static_cast<int64_t>(max_points_));
    if (points_.size() <= 2) return;
    size_t kept = 1;
    for (size_t i = 1; i + 1 < points_.size(); ++i)
        if (span_ms(points_[i].t_ms, points_[kept - 1].t_ms) >= gap_ms_)
            points_[kept++] = points_[i];
    points_[kept++] = points_.back();  // the newest stays
    points_.resize(kept);
}

std::optional<double> SlopeWindow::per_minute(int64_t t_ms) {
    return per_minute_last(t_ms, window_ms_);
}

// One reading far off the line the others make is a glitch, left out: a
// least-squares fit over a few points leans hard on its ends, and one
// glitch made a rise (a single 32 C reading among 22 C ones, polled every
// 10 s, fitted 8.6 C/min over 60 s: a fire alarm; one +20 cm depth reading
// among 60 s polls, 11 cm/10min). "Far off": more than 5 times the spread
// of the others about their own line (1.4826 x their median distance, a
// standard deviation that a glitch cannot inflate). The reading farthest
// off the full fit is the one tried; noise and a rise that bends are not
// that far off, so they move nothing. A jump that stays is a glitch for
// one reading, and counts from the next.
std::optional<double> SlopeWindow::per_minute_last(int64_t t_ms, int64_t span_ms) {
    auto old = std::find_if(points_.begin(), points_.end(),
                            [&](const Point& p) { return t_ms - p.t_ms <= window_ms_; });
    points_.erase(points_.begin(), old);
    const Iter first = std::find_if(points_.cbegin(), points_.cend(),
                                    [&](const Point& p) { return t_ms - p.t_ms <= span_ms; });
    const Iter last = points_.cend();
    const auto all = fit(first, last, last, span_ms);
    if (!all || last - first < 4) return all ? std::optional<double>(all->slope) : std::nullopt;
    Iter worst = first;
    for (Iter it = first; it != last; ++it)
        if (std::abs(it->v - all->at(it->t_ms)) > std::abs(worst->v - all->at(worst->t_ms)))
            worst = it;
    const auto rest = fit(first, last, worst, span_ms);
    if (!rest) return all->slope;
    std::vector<double> off;
    for (Iter it = first; it != last; ++it)
        if (it != worst) off.push_back(std::abs(it->v - rest->at(it->t_ms)));
    std::nth_element(off.begin(), off.begin() + off.size() / 2, off.end());
    const double spread = 1.4826 * off[off.size() / 2];
    const double glitch = std::abs(worst->v - rest->at(worst->t_ms));
    const bool far_off = glitch > 5 * spread && glitch > 1e-6 * (1 + std::abs(worst->v));
    return far_off ? rest->slope : all->slope;
}

double SlopeWindow::Line::at(int64_t t_ms) const {
    return mean_v + slope * ((static_cast<double>(t_ms) - t0) / 60000.0 - mean_t);
}

std::optional<SlopeWindow::Line> SlopeWindow::fit(Iter first, Iter last, Iter skip,
                                                  int64_t span_ms) {
    if (last - first - (skip != last ? 1 : 0) < 3) return std::nullopt;
    const Iter newest = std::prev(last) == skip ? std::prev(last, 2) : std::prev(last);
    const Iter oldest = first == skip ? std::next(first) : first;
    if (newest->t_ms - oldest->t_ms < span_ms / 2) return std::nullopt;
    Line line;
    line.t0 = static_cast<double>(oldest->t_ms);
    double n = 0, st = 0, sv = 0, stt = 0, stv = 0;
    for (Iter it = first; it != last; ++it) {
        if (it == skip) continue;
        const double t = (static_cast<double>(it->t_ms) - line.t0) / 60000.0;
        n += 1;
        st += t;
        sv += it->v;
        stt += t * t;
        stv += t * it->v;
    }
    const double den = n * stt - st * st;
    if (den <= 0) return std::nullopt;
    line.slope = (n * stv - st * sv) / den;
    line.mean_t = st / n;
    line.mean_v = sv / n;
    return line;
}

}  // namespace gw::detectors
