#pragma once
// Fire from sensors: fixed temperature by EN 54-5 class and rate of rise,
// smoke contact, CO dose (UL 2034 windows), residual current and cable
// temperature (electrical fire, GB 50116). Each criterion is its own
// incident; two or more independent criteria at once (heat, smoke, CO,
// electrical) raise a critical fire_confirmed incident.
#include <optional>

#include "detectors/sensor_detector.hpp"
#include "fire_settings.hpp"

namespace gw::detectors {

class FireDetector final : public SensorDetector {
  public:
    FireDetector(const DetectorConfig& config, FireSettings settings, EventIdSource& ids);

  private:
    void on_reading(const std::string& role, double value, int64_t t_ms) override;
    void evaluate(int64_t t_ms, std::vector<Event>& out) override;
    void integrate_co(int64_t t_ms);
    void evaluate_heat(int64_t t_ms, std::vector<Event>& out);
    void evaluate_smoke(int64_t t_ms, std::vector<Event>& out);
    void evaluate_co(int64_t t_ms, std::vector<Event>& out);
    void evaluate_level(IncidentTracker& tracker, LevelBands& bands, const std::string& role,
                        const std::string& what, int64_t t_ms, std::vector<Event>& out);
    void evaluate_confirmed(int64_t t_ms, std::vector<Event>& out);

    FireSettings s_;
    LevelBands fixed_bands_;
    LevelBands cable_bands_;
    LevelBands residual_bands_;
    IncidentTracker heat_fixed_;
    IncidentTracker heat_ror_;
    IncidentTracker smoke_;
    IncidentTracker co_;
    IncidentTracker residual_;
    IncidentTracker cable_;
    IncidentTracker confirmed_;
    SlopeWindow temp_window_;
    std::optional<double> co_ppm_;  // last concentration, held until the next reading
    int64_t co_t_ = 0;              // dose integrated up to here
    double co_dose_ = 0;            // ppm-equivalent
    bool co_alarm_ = false;         // dose hysteresis
    bool ror_alarm_ = false;        // rate-of-rise hysteresis
};

}  // namespace gw::detectors
