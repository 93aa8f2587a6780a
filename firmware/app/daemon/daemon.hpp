#pragma once
// The daemon's composition root: builds every part from the config, wires
// them together, runs the main loop until a shutdown signal, and stops them
// in order. Parts receive what they need (config, Log, Clock) by reference.
//
// Start order: store (boot counter -> EventIdSource) -> intake -> uplink ->
// pipeline (detectors, telemetry) -> drivers and cameras -> control socket
// -> command execution (commands are received and kept in the inbox from the
// uplink's first connect on). Stop order is the reverse, so nothing
// produces into a part that is already gone.
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "config/config.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/event_id.hpp"
#include "core/heartbeat.hpp"
#include "core/instance_lock.hpp"
#include "core/liveness.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "service_notify.hpp"
#include "signals.hpp"

namespace gw {

class Store;
class Intake;
class Uplink;
class ControlServer;
class Dispatcher;
class LiveState;
class Pipeline;
class FrameKeeper;
class VisionRunner;
class CommandBook;
namespace store {
class IntegrityCheck;
}
namespace command {
class CommandRouter;
class CommandChannel;
}  // namespace command
namespace loop {
class ClosedLoop;
}
namespace modbus {
class ModbusDriver;
}
namespace serial {
class SerialPort;
}
namespace camera {
class Camera;
}

class Daemon {
  public:
    Daemon(const Config& config, Log& log, Clock& clock);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    Status start();
    // Returned by run() when the config file changed and is valid (a
    // `reload` command from the center, or SIGHUP): the caller reloads it and
    // builds a new Daemon. Not a process exit code.
    static constexpr int kRestart = -1;
    // Returned by run() when the store was found damaged while running: the
    // caller builds a new Daemon with the same config, whose open of the
    // store salvages it. Not a process exit code.
    static constexpr int kRebuild = -2;
    // A damaged store is checked (and salvaged) at most this often: a
    // damage its check does not find would be checked on every read, and a
    // card that keeps damaging the new file would rebuild the gateway every
    // few seconds.
    static constexpr int64_t kSalvageGapMs = 600000;
    // A check of a damaged store still running after this hangs (see
    // damage_check_hangs()).
    static constexpr int64_t kDamageCheckLimitMs = 300000;
    // No check for damage, nor a salvage, before then (monotonic ms): the
    // caller's record of the last rebuild for a salvage.
    void hold_salvage_until(int64_t mono_ms) { next_damage_check_mono_ = mono_ms; }
    // How long the stop before a reload may take with the watchdog fed.
    static constexpr int64_t kReloadStopLimitMs = 60000;
    // Runs until SIGTERM/SIGINT (returns the process exit code) or a restart
    // with a new config (kRestart).
    int run(ShutdownSignals& signals);

  private:
    void stop();
    void serve(ShutdownSignals& signals);
    Liveness watch_workers() const;
    Status take_data_dirs();
    Status open_store();
    Status start_uplink();
    Status start_pipeline();
    nlohmann::json device_counters() const;
    Status start_drivers();
    Status open_commands(const contract::Origin& origin);
    void add_router_commands();
    Status start_commands();
    void add_control_commands();
    contract::Origin origin() const;
    bool new_config_valid();
    bool salvage_due();
    bool damage_found();
    bool damage_check_hangs() const;

    const Config& config_;
    Log& log_;
    Clock& clock_;
    ServiceNotifier notifier_;
    int64_t started_mono_ms_ = 0;
    // Held from before the store and socket are opened until after they are
    // closed (members go in reverse order).
    std::optional<InstanceLock> store_lock_, socket_lock_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<EventIdSource> ids_;
    std::unique_ptr<Intake> intake_;
    std::unique_ptr<loop::ClosedLoop> loop_;  // incident book and mode (issue 13)
    std::unique_ptr<Uplink> uplink_;
    std::unique_ptr<LiveState> live_;
    std::unique_ptr<Pipeline> pipeline_;
    std::unique_ptr<VisionRunner> vision_;
    std::unique_ptr<FrameKeeper> frames_;
    std::unique_ptr<modbus::ModbusDriver> modbus_;
    std::vector<std::unique_ptr<serial::SerialPort>> serial_ports_;
    std::vector<std::unique_ptr<camera::Camera>> cameras_;
    std::unique_ptr<Dispatcher> commands_;  // the control commands, socket or not
    std::unique_ptr<ControlServer> control_;
    // Commands from the center (docs/contract.md "Commands").
    std::unique_ptr<CommandBook> command_book_;
    std::unique_ptr<command::CommandRouter> router_;
    std::unique_ptr<command::CommandChannel> channel_;
    std::atomic<bool> restart_requested_{false};
    bool salvage_requested_ = false;  // main loop only
    int64_t next_damage_check_mono_ = 0;
    std::unique_ptr<store::IntegrityCheck> damage_check_;  // main loop only; see salvage_due()
    int64_t damage_check_started_mono_ = 0;
    Heartbeat main_beat_;  // the main loop's, watched with the workers'
};

}  // namespace gw
