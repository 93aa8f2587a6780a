#include "rig.hpp"

#include <algorithm>
#include <stdexcept>

#include "detectors/kinds.hpp"

#include <CppUTest/TestHarness.h>

namespace gw::test {

Rig::Rig(const std::string& kind, std::map<std::string, std::string> inputs,
         std::shared_ptr<const DetectorSettings> settings,
         std::map<std::string, InputRange> ranges) {
    DetectorConfig c;
    c.id = kind + "-1";
    c.kind = kind;
    c.inputs = std::move(inputs);
    c.input_ranges = std::move(ranges);
    c.settings = std::move(settings);
    auto d = detectors::make_sensor_detector(c, ids_);
    if (!d) throw std::runtime_error(d.error());
    det_ = std::move(*d);
    types_ = detectors::find_kind(kind)->event_types;
}

// Every event a detector makes has a type its kind lists: the list that
// [[emergency.auto]] rules are checked against must not fall behind.
void Rig::check_types() {
    for (; checked_ < events_.size(); ++checked_) {
        const std::string& type = events_[checked_].type;
        CHECK_TEXT(std::find(types_.begin(), types_.end(), type) != types_.end(),
                   ("event type \"" + type + "\" is not in its kind's event_types").c_str());
    }
}

void Rig::feed(const std::string& point, double value, Quality q) {
    det_->on_sample({point, value, q, t_}, events_);
    check_types();
}

void Rig::run(int64_t until, int64_t step_ms, const std::function<void(int64_t)>& each) {
    int64_t next_tick = t_ + 1000;
    for (; t_ <= until; t_ += step_ms) {
        for (; next_tick < t_; next_tick += 1000) det_->on_tick(next_tick, events_);
        each(t_);
        det_->on_tick(t_, events_);
    }
    check_types();
}

void Rig::idle(int64_t until) {
    for (; t_ < until; t_ += 1000) det_->on_tick(t_, events_);
    t_ = until;
    det_->on_tick(t_, events_);
    check_types();
}

std::optional<Event> Rig::find(const std::string& type, EventState state, int64_t from) const {
    for (const auto& e : events_)
        if (e.type == type && e.state == state && e.t_ms >= from) return e;
    return std::nullopt;
}

size_t Rig::count(const std::string& type) const {
    size_t n = 0;
    for (const auto& e : events_) n += e.type == type;
    return n;
}

size_t Rig::count_not_faults() const {
    size_t n = 0;
    for (const auto& e : events_) n += e.type.rfind("sensor_", 0) != 0;
    return n;
}

std::string Rig::dump() const {
    std::string s;
    for (const auto& e : events_)
        s += std::to_string(e.t_ms) + " " + e.type + " " + std::string(to_string(e.state)) + " " +
             std::string(to_string(e.severity)) + " " + e.message + "\n";
    return s.empty() ? "(no events)" : s;
}

}  // namespace gw::test
