#include "person_model.hpp"

#include <algorithm>
#include <vector>

namespace gw::detectors {

namespace {
constexpr size_t kMaxSamples = 400;
constexpr size_t kMinSamples = 20;
constexpr double kMinHeight = 8;
}  // namespace

void PersonModel::add(double y_feet, double height, double area, double weight) {
    if (top_ > 0 || height <= 0) return;  // configured: nothing to learn
    samples_.push_back({y_feet, height, area / (height * height), weight});
    if (samples_.size() > kMaxSamples) samples_.pop_front();
    if (++since_fit_ >= 10 && samples_.size() >= kMinSamples) refit();
}

void PersonModel::refit() {
    since_fit_ = 0;
    double sw = 0, sy = 0, sh = 0, syy = 0, syh = 0;
    for (const auto& s : samples_) {
        sw += s.w;
        sy += s.w * s.y;
        sh += s.w * s.h;
        syy += s.w * s.y * s.y;
        syh += s.w * s.y * s.h;
    }
    double var = syy / sw - (sy / sw) * (sy / sw);
    double spread = 0.15 * frame_h_;
    if (var >= spread * spread) {
        b_ = std::max(0.0, (syh / sw - (sy / sw) * (sh / sw)) / var);
        a_ = sh / sw - b_ * sy / sw;
    } else {
        // Samples from a narrow band of rows cannot give a slope reliably
        // (a free fit extrapolates wildly): assume the horizon at the top
        // row, i.e. height proportional to the row, until people spread out.
        a_ = 0;
        b_ = syh / std::max(1e-9, syy);
    }
    std::vector<double> fills;
    for (const auto& s : samples_) fills.push_back(s.fill);
    std::nth_element(fills.begin(), fills.begin() + fills.size() / 2, fills.end());
    fill_ = std::clamp(fills[fills.size() / 2], 0.08, 0.6);
    fitted_ = true;
}

double PersonModel::height_at(double y) const {
    if (top_ > 0) return top_ + (bottom_ - top_) * y / frame_h_;
    if (!fitted_) return 0;
    return std::max(kMinHeight, a_ + b_ * y);
}

}  // namespace gw::detectors
