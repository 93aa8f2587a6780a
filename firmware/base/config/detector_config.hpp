#pragma once
// A [[detectors]] entry: what a detector is built from. Its params are read
// and validated once, by the config loader through the kind's own reader
// (DetectorKind::read); the typed settings that reader produced travel here,
// so the detector uses exactly what was validated.
#include <map>
#include <memory>
#include <string>

namespace gw {

// The typed settings of one detector kind (FloodSettings, CrowdSettings, ...
// derive from it). Immutable once read; copies of a Config share them.
class DetectorSettings {
  public:
    virtual ~DetectorSettings() = default;
    // The slowest camera the detector works with (0: any). A detector whose
    // analysis spans consecutive frames needs a minimum rate; the loader
    // refuses a slower camera instead of leaving the detector blind.
    virtual double min_camera_fps() const { return 0; }

  protected:
    DetectorSettings() = default;
    DetectorSettings(const DetectorSettings&) = default;
    DetectorSettings& operator=(const DetectorSettings&) = default;
};

struct DetectorConfig {
    std::string id;
    std::string kind;
    std::string camera;                         // vision detectors
    std::map<std::string, std::string> inputs;  // role -> point id
    // Every parameter, defaults filled in; set by the loader (or a test/tool
    // through the kind's reader or the typed settings struct).
    std::shared_ptr<const DetectorSettings> settings;

    // The settings as the kind's type, or nullptr if they are of another kind.
    template <typename S>
    const S* settings_as() const {
        return dynamic_cast<const S*>(settings.get());
    }
};

}  // namespace gw
