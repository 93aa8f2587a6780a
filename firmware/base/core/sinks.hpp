#pragma once
// Where drivers and detectors hand their output. The pipeline implements
// these; tests and `gatewayctl replay` implement them with a vector.
#include <vector>

#include "types.hpp"

namespace gw {

class SampleSink {
  public:
    virtual ~SampleSink() = default;
    // Called from a driver's own thread; must not block for long.
    virtual void on_samples(const std::vector<Sample>& samples) = 0;
};

class EventSink {
  public:
    virtual ~EventSink() = default;
    // Events from detectors and subsystems; the pipeline assigns ids
    // (EventIdSource) where `id` is empty and stores them durably.
    virtual void on_event(const Event& event) = 0;
};

}  // namespace gw
