#include "detector_set.hpp"

namespace gw::detectors {

Result<DetectorSet> DetectorSet::build(const std::vector<DetectorConfig>& configs,
                                       EventIdSource& ids) {
    DetectorSet set;
    for (const auto& c : configs) {
        if (!is_sensor_kind(c.kind)) {
            set.skipped_.push_back(c.id);
            continue;
        }
        auto d = make_sensor_detector(c, ids);
        if (!d) return fail(d.error());
        for (const auto& point : (*d)->points()) set.routes_[point].push_back(d->get());
        set.detectors_.push_back(std::move(*d));
    }
    return set;
}

bool DetectorSet::on_sample(const Sample& sample, std::vector<Event>& out) {
    auto it = routes_.find(sample.point);
    if (it == routes_.end()) return false;
    for (Detector* d : it->second) d->on_sample(sample, out);
    return true;
}

void DetectorSet::on_tick(int64_t t_ms, std::vector<Event>& out) {
    for (auto& d : detectors_) d->on_tick(t_ms, out);
}

}  // namespace gw::detectors
