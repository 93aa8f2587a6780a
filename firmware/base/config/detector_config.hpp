#pragma once
// A [[detectors]] entry: what a detector is built from. Its params are read
// and validated once, by the config loader through the kind's own reader
// (DetectorKind::read); the typed settings that reader produced travel here,
// so the detector uses exactly what was validated.
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gw {

// The values a sensor can report; an unset bound is open. Each detector
// input has one: its role's default physical range (DetectorSettings::
// input_range), with each bound its point sets (`min`/`max`) replacing the
// default's. Outside it, or not a number, a reading is a sensor fault.
struct InputRange {
    std::optional<double> min;
    std::optional<double> max;

    // This range with `point`'s bounds where the point sets them.
    InputRange overridden_by(const InputRange& point) const {
        return {point.min ? point.min : min, point.max ? point.max : max};
    }
    // Never true for NaN or an infinity, bounds or not: no sensor reports one.
    bool contains(double v) const {
        return std::isfinite(v) && (!min || v >= *min) && (!max || v <= *max);
    }
    bool empty() const { return min && max && *min >= *max; }
};

// The typed settings of one detector kind (FloodSettings, CrowdSettings, ...
// derive from it). Immutable once read; copies of a Config share them.
// The longest silent_s a sensor detector takes (a day): the loader's rate
// check suggests no more.
constexpr int64_t kMaxSilentS = 86400;

class DetectorSettings {
  public:
    virtual ~DetectorSettings() = default;
    // The slowest camera the detector works with (0: any). A detector whose
    // analysis spans consecutive frames needs a minimum rate; the loader
    // refuses a slower camera instead of leaving the detector blind.
    virtual double min_camera_fps() const { return 0; }
    // The physical range of a sensor for input `role` (unbounded if the kind
    // does not name one). A point's min/max overrides either bound.
    virtual InputRange input_range(const std::string& role) const {
        (void)role;
        return {};
    }
    // The unit the detector reads input `role` in ("" if any): a point
    // that names another unit is refused, since its thresholds would be
    // read in the wrong unit (a depth in mm taken as cm).
    virtual std::string input_unit(const std::string& role) const {
        (void)role;
        return "";
    }
    // How long input `role` may go without a good reading before the
    // detector calls its sensor silent (0: never). A Modbus point polled
    // less than twice in that time is refused: one lost poll would make it
    // silent, and the incidents it feeds frozen.
    virtual double input_silent_after_s(const std::string& role) const {
        (void)role;
        return 0;
    }
    // How long after a start the detector may need before it raises again
    // an incident of `type` that still holds (its raise hold, or the window
    // it must fill first; 0: at once). A restarted gateway keeps an open
    // incident that long, plus [incidents] restart_grace_s, before closing
    // it "not seen since restart": a stuck gauge is told again only after
    // stuck_s, a silent one after silent_s, rain once its window has
    // filled; closed sooner, it would be closed and then opened anew.
    virtual double seen_again_within_s(const std::string& type) const {
        (void)type;
        return 0;
    }
    // The largest evidence image the detector sends, KB before base64 (0:
    // none): the store's evidence lane must hold one.
    virtual double evidence_image_max_kb() const { return 0; }
    // The window over which the detector fits input `role`'s rate of change
    // (seconds, 0: none), the parameter that sets it and that parameter's
    // maximum. The fit needs three readings in it: a point polled less than
    // three times in it is refused (a 60 s rate-of-rise window on a
    // temperature polled every 40 s never judged the rise, and said nothing).
    struct RateWindow {
        double s = 0;
        std::string key;
        double max_s = 0;
    };
    virtual RateWindow input_rate_window(const std::string& role) const {
        (void)role;
        return {};
    }
    // The levels input `role`'s readings are compared with, each with the
    // parameter that sets it. The loader refuses a point whose min/max
    // leaves one outside its range: above max it is never reached (a 50 cm
    // depth alarm on a gauge reading at most 40), below min it always is.
    struct Threshold {
        std::string key;
        double value = 0;
    };
    virtual std::vector<Threshold> input_thresholds(const std::string& role) const {
        (void)role;
        return {};
    }

  protected:
    DetectorSettings() = default;
    DetectorSettings(const DetectorSettings&) = default;
    DetectorSettings& operator=(const DetectorSettings&) = default;
};

// The vision detectors' default cap on an evidence image (evidence_max_kb):
// about 200 kB in base64, under a broker's usual message limit.
constexpr double kEvidenceMaxKbDefault = 150;

struct DetectorConfig {
    std::string id;
    std::string kind;
    std::string camera;                         // vision detectors
    std::map<std::string, std::string> inputs;  // role -> point id
    // role -> the range of its point, for roles whose point sets min or max;
    // set by the loader from [[points]].
    std::map<std::string, InputRange> input_ranges;
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
