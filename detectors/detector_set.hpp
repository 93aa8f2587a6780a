#pragma once
// All sensor detectors of a configuration, with samples routed by point id.
// The daemon feeds it live samples (and a tick about once a second);
// `gatewayctl replay` and gw-eval feed it a recorded trace. Pure.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "detector.hpp"

namespace gw::detectors {

class DetectorSet {
  public:
    // Builds every sensor detector in `configs`; vision kinds are listed in
    // skipped() for the vision pipeline. Fails on the first detector that cannot be built.
    static Result<DetectorSet> build(const std::vector<DetectorConfig>& configs,
                                     EventIdSource& ids);

    // Routes the sample to the detectors that use its point; false if none does.
    bool on_sample(const Sample& sample, std::vector<Event>& out);
    void on_tick(int64_t t_ms, std::vector<Event>& out);
    bool uses(const std::string& point) const { return routes_.count(point) > 0; }
    size_t size() const { return detectors_.size(); }
    const std::vector<std::string>& skipped() const { return skipped_; }

  private:
    std::vector<std::unique_ptr<Detector>> detectors_;
    std::map<std::string, std::vector<Detector*>> routes_;  // point -> detectors
    std::vector<std::string> skipped_;
};

}  // namespace gw::detectors
