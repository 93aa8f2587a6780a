#include "frame_detector.hpp"

#include "crowd/crowd_detector.hpp"
#include "fire/video_fire_detector.hpp"
#include "json_params.hpp"

namespace gw::detectors {

namespace {
std::string joined(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& p : problems) out += (out.empty() ? "" : "; ") + p;
    return out;
}
}  // namespace

bool is_frame_detector_kind(const std::string& kind) {
    return kind == "crowd" || kind == "video_fire";
}

Result<std::unique_ptr<FrameDetector>> make_frame_detector(const DetectorConfig& config,
                                                           EventIdSource& ids) {
    JsonParams params(config.params);  // reads config.params by reference: it outlives params
    std::string where = "detector " + config.id + ": ";
    if (config.kind == "crowd") {
        auto s = CrowdSettings::read(params);
        if (!params.problems().empty()) return fail(where + joined(params.problems()));
        auto region = GroundRegion::make(s.roi, s.area_m2, s.ground_px, s.ground_m);
        if (!region) return fail(where + region.error());
        return std::unique_ptr<FrameDetector>(
            std::make_unique<CrowdDetector>(config.id, s, std::move(*region), ids));
    }
    if (config.kind == "video_fire") {
        auto s = VideoFireSettings::read(params);
        if (!params.problems().empty()) return fail(where + joined(params.problems()));
        return std::unique_ptr<FrameDetector>(
            std::make_unique<VideoFireDetector>(config.id, s, ids));
    }
    return fail(where + "kind " + config.kind + " does not watch frames");
}

}  // namespace gw::detectors
