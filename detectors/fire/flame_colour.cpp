#include "fire/flame_colour.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace gw::detectors {

void flame_colour_mask(const cv::Mat& bgr, const FlameColourRules& rules, cv::Mat& mask) {
    cv::Mat ycc;
    cv::cvtColor(bgr, ycc, cv::COLOR_BGR2YCrCb);
    double y_mean = cv::mean(ycc)[0];
    mask.create(bgr.size(), CV_8U);
    const double sat_k = rules.sat_min / std::max(1.0, rules.red_min);
    for (int r = 0; r < bgr.rows; ++r) {
        const auto* p = bgr.ptr<cv::Vec3b>(r);
        const auto* q = ycc.ptr<cv::Vec3b>(r);
        auto* m = mask.ptr<uchar>(r);
        for (int c = 0; c < bgr.cols; ++c) {
            int b = p[c][0], g = p[c][1], rr = p[c][2];
            int y = q[c][0], cr = q[c][1], cb = q[c][2];
            bool chen = rr > rules.red_min && rr >= g && g > b;
            if (chen) {
                int sum = rr + g + b;
                double sat = 255.0 * (1.0 - 3.0 * b / std::max(1, sum));  // b is the minimum
                chen = sat >= (255 - rr) * sat_k;
            }
            bool celik = y > cb && cr > cb && (cr - cb) >= rules.cbcr_min && y > y_mean;
            m[c] = chen && celik ? 255 : 0;
        }
    }
}

}  // namespace gw::detectors
