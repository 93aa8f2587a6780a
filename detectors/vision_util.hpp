#pragma once
// Small helpers shared by the frame detectors.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/params.hpp"

namespace gw::detectors {

// Encodes `bgr` as JPEG no larger than max_bytes: lowers the quality first,
// then halves the size, so evidence always fits the uplink's message cap.
// Empty only if even a 64 px wide image at the lowest quality does not fit.
std::vector<uint8_t> encode_capped_jpeg(const cv::Mat& bgr, size_t max_bytes);

// Params over the loader's resolved JSON (missing keys: defaults), so a
// detector built from a DetectorConfig reads its settings the one way.
class JsonParams final : public Params {
  public:
    explicit JsonParams(const nlohmann::json& j) : j_(j) {}
    double number(const std::string& key, double def, double min, double max) override;
    long integer(const std::string& key, long def, long min, long max) override;
    bool flag(const std::string& key, bool def) override;
    std::string text(const std::string& key, const std::string& def,
                     const std::vector<std::string>& allowed) override;
    std::vector<double> numbers(const std::string& key, const std::vector<double>& def, double min,
                                double max) override;
    void problem(const std::string& key, const std::string& what) override;
    std::vector<std::string> problems;

  private:
    const nlohmann::json* find(const std::string& key) const;
    nlohmann::json j_;
};

// Scales `bgr` to `width` (keeping the aspect); returns the scale applied.
double scale_to_width(const cv::Mat& bgr, double width, cv::Mat& out);

}  // namespace gw::detectors
