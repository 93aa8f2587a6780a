#include "vision_util.hpp"

#include <algorithm>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace gw::detectors {

std::vector<uint8_t> encode_capped_jpeg(const cv::Mat& bgr, size_t max_bytes) {
    cv::Mat img = bgr;
    std::vector<uint8_t> buf;
    while (img.cols >= 64) {
        for (int q : {85, 70, 55, 40, 25}) {
            cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, q});
            if (buf.size() <= max_bytes) return buf;
        }
        cv::Mat half;
        cv::resize(img, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
        img = half;
    }
    return {};
}

double scale_to_width(const cv::Mat& bgr, double width, cv::Mat& out) {
    double s = std::min(1.0, width / bgr.cols);
    if (s >= 1.0) {
        out = bgr;
        return 1.0;
    }
    cv::resize(bgr, out, cv::Size(), s, s, cv::INTER_AREA);
    return s;
}

void attach_evidence(Event& event, const cv::Mat& annotated, size_t max_bytes,
                     std::vector<Evidence>& evidence) {
    if (event.state != EventState::raise) return;
    Evidence ev;
    ev.bytes = encode_capped_jpeg(annotated, max_bytes);
    if (ev.bytes.empty()) return;
    ev.event_id = event.id;
    event.evidence = ev.event_id;
    evidence.push_back(std::move(ev));
}

}  // namespace gw::detectors
