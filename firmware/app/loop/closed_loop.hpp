#pragma once
// The closed loop of issue 13 in the daemon: the incident book and the mode
// controller, their state in the store's file, fed by the intake (as its
// IntakeObserver), ticked once a second by the daemon, driven by the `ack`
// and `mode` commands (from the center or the control socket). What they
// want sent goes out through `publish` (the intake, then LiveState); a mode
// change also goes to `status_changed` (the uplink's retained status).
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/log_throttle.hpp"
#include "core/result.hpp"
#include "incident_book.hpp"
#include "mode_controller.hpp"
#include "pipeline/intake.hpp"
#include "state_table.hpp"

namespace gw::loop {

class ClosedLoop final : public IntakeObserver {
  public:
    using Publish = std::function<Result<Event>(Event)>;
    using StatusChanged = std::function<void(const ModeState&)>;

    // Opens its tables in the store's file (`store_path`) and loads them.
    static Result<std::unique_ptr<ClosedLoop>> open(const Config& config,
                                                    const std::string& store_path,
                                                    const Clock& clock, Log& log);
    // Over given tables (tests).
    static Result<std::unique_ptr<ClosedLoop>> open(const Config& config,
                                                    std::unique_ptr<StateTable> incidents,
                                                    std::unique_ptr<StateTable> mode,
                                                    const Clock& clock, Log& log);

    // Where events go; a mode change found while loading is announced now.
    void attach(Publish publish, StatusChanged status_changed);

    void before(Event& event) override;
    void after(const Event& event) override;
    void refused(const Event& event) override;
    // Re-sends, escalations, closes after a restart, emergency expiry.
    // link_down: see IncidentBook::tick().
    void tick(bool link_down);

    Result<AckOutcome> ack(const std::string& id, const std::string& by, const std::string& note);
    // duration_ms: emergency only; none: until changed.
    Result<ModeState> set_mode(Mode mode, std::optional<int64_t> duration_ms,
                               const std::string& source);

    const ModeController& mode() const { return *mode_; }
    const IncidentBook& book() const { return *book_; }

  private:
    ClosedLoop(const Config& config, std::unique_ptr<StateTable> incidents,
               std::unique_ptr<StateTable> mode, const Clock& clock, Log& log);
    template <typename Change>
    void change_mode(Change&& change);
    // The mode_changed event of a change (its status is set already).
    void announce(const ModeChange& change);
    void send(Event e);

    const Clock& clock_;
    Log& log_;
    // The book's events the store refused: with the alarm lane full, made
    // again (and refused) at every tick. Not mode changes (see send()).
    LogThrottle not_stored_log_;
    std::unique_ptr<StateTable> incident_table_, mode_table_;
    std::unique_ptr<IncidentBook> book_;
    std::unique_ptr<ModeController> mode_;
    std::optional<ModeChange> loaded_change_;
    std::mutex mode_mutex_;  // a mode change and its status, together
    // Events on their way to the store (between before() and after() or
    // refused()) that are no news for the emergency rules: an incident
    // continued after a restart at no worse a severity (IncidentBook::adopt).
    std::mutex continued_mutex_;
    std::set<std::string> continued_;
    Publish publish_;
    StatusChanged status_changed_;
};

BookSettings book_settings(const IncidentsConfig& c);

}  // namespace gw::loop
