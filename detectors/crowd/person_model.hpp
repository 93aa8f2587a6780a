#pragma once
// How tall (and how large a silhouette) one person is at each image row.
// Either configured (heights at the top and bottom row) or learned from
// HOG detections and single-person blobs: a line h(y) fitted by weighted
// least squares over the most recent samples (bounded memory).
#include <deque>

namespace gw::detectors {

class PersonModel {
  public:
    PersonModel(double h_top, double h_bottom, double fill)
        : top_(h_top), bottom_(h_bottom), fill_(fill) {}

    void set_frame_height(double h) { frame_h_ = h; }
    // A person seen with its feet at row y, `height` px tall and `area` px^2 of silhouette.
    void add(double y_feet, double height, double area, double weight);
    bool known() const { return top_ > 0 || fitted_; }
    double height_at(double y_feet) const;  // 0 while unknown
    double area_at(double y_feet) const { return fill_ * height_at(y_feet) * height_at(y_feet); }
    double fill() const { return fill_; }

  private:
    struct Sample {
        double y, h, fill, w;
    };
    void refit();

    double top_, bottom_, fill_;
    double frame_h_ = 1;
    std::deque<Sample> samples_;
    bool fitted_ = false;
    double a_ = 0, b_ = 0;  // h = a + b*y
    int since_fit_ = 0;
};

}  // namespace gw::detectors
