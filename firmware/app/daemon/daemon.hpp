#pragma once
// The daemon's composition root: builds every part from the config, wires
// them together, runs the main loop until a shutdown signal, and stops them
// in order. Parts receive what they need (config, Log, Clock) by reference.
//
// Start order: store (boot counter -> EventIdSource) -> intake -> uplink ->
// pipeline (detectors, telemetry) -> drivers and cameras -> control socket. Stop order is the
// reverse, so nothing produces into a part that is already gone.
#include <memory>
#include <vector>

#include "config/config.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/event_id.hpp"
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
    // Runs until SIGTERM/SIGINT; returns the process exit code.
    int run(ShutdownSignals& signals);

    // Where drivers and detectors deliver (valid after start()).
    Intake& intake() { return *intake_; }
    ControlServer& control() { return *control_; }

  private:
    void stop();
    Status start_pipeline();
    nlohmann::json device_counters() const;
    Status start_drivers();

    const Config& config_;
    Log& log_;
    Clock& clock_;
    ServiceNotifier notifier_;
    int64_t started_mono_ms_ = 0;
    std::unique_ptr<Store> store_;
    std::unique_ptr<EventIdSource> ids_;
    std::unique_ptr<Intake> intake_;
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
};

}  // namespace gw
