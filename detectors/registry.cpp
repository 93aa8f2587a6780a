#include "registry.hpp"

#include "crowd/crowd_settings.hpp"
#include "elevator/elevator_settings.hpp"
#include "fire/fire_settings.hpp"
#include "fire/video_fire_settings.hpp"
#include "flood/flood_settings.hpp"

namespace gw::detectors {

const std::vector<DetectorKind>& kinds() {
    static const std::vector<DetectorKind> all = {
        flood_kind(), fire_kind(), elevator_kind(), crowd_kind(), video_fire_kind(),
    };
    return all;
}

}  // namespace gw::detectors
