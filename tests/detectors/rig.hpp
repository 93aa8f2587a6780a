#pragma once
// A detector under test, built through the real factory from typed settings,
// fed with samples at explicit trace times and ticked once a second as the
// daemon does.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "detectors/detector.hpp"

namespace gw::test {

class Rig {
  public:
    // `ranges`: the min/max of the inputs' points (role -> range), as the
    // loader passes them on.
    Rig(const std::string& kind, std::map<std::string, std::string> inputs,
        std::shared_ptr<const DetectorSettings> settings,
        std::map<std::string, InputRange> ranges = {});

    void feed(const std::string& point, double value, Quality q = Quality::good);
    // Advances to `until` in steps of step_ms: at each step `each(t)` feeds
    // samples (via feed), then the detector is ticked.
    void run(int64_t until, int64_t step_ms, const std::function<void(int64_t)>& each);
    // Advances time with ticks only (every second).
    void idle(int64_t until);

    int64_t now() const { return t_; }
    const std::vector<Event>& events() const { return events_; }
    // The first event of `type` in `state` at or after `from`.
    std::optional<Event> find(const std::string& type, EventState state, int64_t from = 0) const;
    size_t count(const std::string& type) const;
    // Events of any type other than the sensor faults (sensor_*).
    size_t count_not_faults() const;
    std::string dump() const;  // all events, for failure messages

  private:
    void check_types();

    EventIdSource ids_{"test", 1};
    std::vector<std::string> types_;
    size_t checked_ = 0;
    std::unique_ptr<detectors::Detector> det_;
    std::vector<Event> events_;
    int64_t t_ = 0;
};

// Settings of type S with every default, then changed by `tune`.
template <typename S>
std::shared_ptr<const DetectorSettings> settings(const std::function<void(S&)>& tune) {
    S s;
    if (tune) tune(s);
    return std::make_shared<const S>(std::move(s));
}

// Gaussian sensor noise from a seeded generator: every run is the same trace.
class Noise {
  public:
    explicit Noise(uint32_t seed) : rng_(seed) {}
    double operator()(double sigma) { return std::normal_distribution<double>(0, sigma)(rng_); }
    double uniform(double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng_);
    }
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  private:
    std::mt19937 rng_;
};

}  // namespace gw::test
