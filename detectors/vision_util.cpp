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

const nlohmann::json* JsonParams::find(const std::string& key) const {
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
}

double JsonParams::number(const std::string& key, double def, double min, double max) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_number()) {
        problem(key, "must be a number");
        return def;
    }
    double x = v->get<double>();
    if (x < min || x > max) {
        problem(key, "out of range " + std::to_string(min) + ".." + std::to_string(max));
        return def;
    }
    return x;
}

long JsonParams::integer(const std::string& key, long def, long min, long max) {
    return static_cast<long>(
        number(key, static_cast<double>(def), static_cast<double>(min), static_cast<double>(max)));
}

bool JsonParams::flag(const std::string& key, bool def) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_boolean()) {
        problem(key, "must be true or false");
        return def;
    }
    return v->get<bool>();
}

std::string JsonParams::text(const std::string& key, const std::string& def,
                             const std::vector<std::string>& allowed) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_string()) {
        problem(key, "must be a string");
        return def;
    }
    auto s = v->get<std::string>();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
        problem(key, "not an allowed value");
        return def;
    }
    return s;
}

std::vector<double> JsonParams::numbers(const std::string& key, const std::vector<double>& def,
                                        double min, double max) {
    const auto* v = find(key);
    if (!v) return def;
    if (!v->is_array()) {
        problem(key, "must be a list of numbers");
        return def;
    }
    std::vector<double> out;
    for (const auto& x : *v) {
        if (!x.is_number() || x.get<double>() < min || x.get<double>() > max) {
            problem(key, "entries must be numbers in " + std::to_string(min) + ".." +
                             std::to_string(max));
            return def;
        }
        out.push_back(x.get<double>());
    }
    return out;
}

void JsonParams::problem(const std::string& key, const std::string& what) {
    problems.push_back(key + ": " + what);
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

}  // namespace gw::detectors
