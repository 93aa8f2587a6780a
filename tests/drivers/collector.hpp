#pragma once
// Thread-safe sinks for driver tests: drivers call them from their own
// threads; the test waits until what it expects has arrived (or a generous
// deadline passes, which fails the test: no timing is asserted).
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/sinks.hpp"
#include "support/wait.hpp"

namespace gw::test {

class Collector : public SampleSink, public EventSink {
  public:
    void on_samples(const std::vector<Sample>& samples) override {
        std::lock_guard<std::mutex> lock(mutex_);
        samples_.insert(samples_.end(), samples.begin(), samples.end());
        ++calls_;
    }
    void on_event(const Event& event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        events_.push_back(event);
    }
    std::vector<Sample> samples() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return samples_;
    }
    std::vector<Event> events() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return events_;
    }
    std::vector<Sample> of(const std::string& point) const {
        std::vector<Sample> out;
        for (auto& s : samples())
            if (s.point == point) out.push_back(s);
        return out;
    }
    size_t count(const std::string& point, Quality q) const {
        size_t n = 0;
        for (auto& s : of(point)) n += s.quality == q;
        return n;
    }
    void clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        samples_.clear();
        events_.clear();
    }

  private:
    mutable std::mutex mutex_;
    std::vector<Sample> samples_;
    std::vector<Event> events_;
    size_t calls_ = 0;
};

// The driver tests' wait: generous, since the machine is shared.
inline bool wait_until(const std::function<bool()>& done, int timeout_ms = 20000) {
    return wait_for(done, timeout_ms);
}

}  // namespace gw::test
