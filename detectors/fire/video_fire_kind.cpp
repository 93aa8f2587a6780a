// The video_fire kind (vision): flames in one camera's frames.
#include "detectors/kind_support.hpp"
#include "fire/video_fire_detector.hpp"

namespace gw::detectors {

namespace {
Result<std::unique_ptr<FrameDetector>> make_video_fire(const DetectorConfig& config,
                                                       EventIdSource& ids) {
    auto s = settings_for<VideoFireSettings>(config);
    if (!s) return fail(s.error());
    return std::unique_ptr<FrameDetector>(std::make_unique<VideoFireDetector>(config.id, **s, ids));
}
}  // namespace

DetectorKind video_fire_kind() {
    DetectorKind k;
    k.name = "video_fire";
    k.rank = 50;
    k.needs_camera = true;
    k.read = read_settings<VideoFireSettings>;
    k.make_frame = make_video_fire;
    k.event_types = {"video_flame", "frame_rate_low"};
    return k;
}

}  // namespace gw::detectors
