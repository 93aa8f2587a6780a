#include "daemon.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "control/commands.hpp"
#include "control/control_server.hpp"
#include "control/diag.hpp"
#include "control/diag_sources.hpp"
#include "control/dispatcher.hpp"
#include "detectors/detector_set.hpp"
#include "drivers/camera/camera.hpp"
#include "drivers/modbus/bus_poller.hpp"
#include "drivers/serial/serial_port.hpp"
#include "gw/version.hpp"
#include "pipeline/frame_keeper.hpp"
#include "pipeline/intake.hpp"
#include "pipeline/live_state.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/vision_runner.hpp"
#include "store/store.hpp"
#include "uplink/uplink.hpp"

namespace gw {
namespace {

// mkdir -p with mode 0750: the store and the socket live under data_dir.
Status make_dirs(const std::string& path) {
    for (size_t pos = 1; pos != std::string::npos;) {
        pos = path.find('/', pos + 1);
        std::string part = path.substr(0, pos);
        if (::mkdir(part.c_str(), 0750) != 0 && errno != EEXIST)
            return fail("cannot create " + part + ": " + std::strerror(errno));
    }
    return Status::success();
}

std::string parent_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos || slash == 0 ? std::string() : path.substr(0, slash);
}

}  // namespace

Daemon::Daemon(const Config& config, Log& log, Clock& clock)
    : config_(config), log_(log), clock_(clock) {}

Daemon::~Daemon() {
    stop();
}

Status Daemon::start() {
    started_mono_ms_ = clock_.mono_ms();
    log_.info("daemon", "starting",
              {{"version", kVersion},
               {"config", config_.file},
               {"config_hash", config_.hash},
               {"site", config_.identity.site},
               {"gateway", config_.identity.gateway},
               {"devices", config_.devices.size()},
               {"points", config_.points.size()},
               {"cameras", config_.cameras.size()},
               {"detectors", config_.detectors.size()}});
    for (const auto& dir : {parent_of(config_.store.path), parent_of(config_.control.socket)}) {
        if (dir.empty()) continue;
        if (auto s = make_dirs(dir); !s) return s;
    }
    StoreOptions so;
    so.path = config_.store.path;
    so.alarm_max_bytes = config_.store.alarm_max_bytes;
    so.telemetry_max_bytes = config_.store.telemetry_max_bytes;
    so.commit_window_ms = config_.store.commit_window_ms;
    auto store = Store::open(so, clock_, log_);
    if (!store) return fail(store.error());
    store_ = std::move(*store);
    ids_ = std::make_unique<EventIdSource>(config_.identity.gateway, store_->boot());

    const contract::Origin origin{config_.identity.site, config_.identity.gateway};
    const auto topics = contract::make_topics(config_.uplink.topic_prefix, config_.identity.site,
                                              config_.identity.gateway);
    intake_ = std::make_unique<Intake>(*store_, *ids_, origin, clock_, log_,
                                       config_.uplink.telemetry_batch_max);
    intake_->report_store_recovery();

    contract::GatewayStatus birth{kVersion, store_->boot(), config_.hash, true, 0};
    uplink_ =
        std::make_unique<Uplink>(config_.uplink, topics, origin, birth, *store_, clock_, log_);
    if (auto s = uplink_->start(); !s) return s;
    if (auto s = start_pipeline(); !s) return s;
    if (auto s = start_drivers(); !s) return s;

    commands_ = std::make_unique<Dispatcher>(clock_, log_);
    add_daemon_commands(*commands_,
                        {config_, *intake_, *store_, *uplink_, clock_, started_mono_ms_});
    add_diag_commands(
        *commands_,
        {config_, *live_, *intake_, *store_, *uplink_, clock_, [this] { return device_counters(); },
         [this](const std::string& bus) { return config_owns_bus(config_, bus); },
         [this](const std::string& camera) { return vision_->snapshot(camera, *frames_); }});
    control_ = std::make_unique<ControlServer>(config_.control.socket, config_.control.group,
                                               *commands_, clock_, log_);
    if (auto s = control_->start(); !s) return s;
    return Status::success();
}

nlohmann::json Daemon::device_counters() const {
    std::vector<serial::SerialCounters> serial;
    for (const auto& p : serial_ports_) serial.push_back(p->counters());
    std::vector<camera::CameraCounters> cams;
    for (const auto& c : cameras_) cams.push_back(c->counters());
    return devices_json(modbus_->counters(), serial, cams);
}

Status Daemon::start_pipeline() {
    auto detectors = detectors::DetectorSet::build(config_.detectors, *ids_);
    if (!detectors) return fail(detectors.error());
    live_ = std::make_unique<LiveState>();
    pipeline_ =
        std::make_unique<Pipeline>(config_, std::move(*detectors), *intake_, *live_, clock_, log_);
    vision_ = std::make_unique<VisionRunner>(*pipeline_, *intake_, log_);
    if (auto s = vision_->build(config_.detectors, *ids_); !s) return s;
    log_.info(
        "daemon", "detectors built",
        {{"sensor", config_.detectors.size() - vision_->size()}, {"vision", vision_->size()}});
    return pipeline_->start();
}

// Drivers and cameras open their devices on their own threads: a dead device
// never delays start-up or the others.
Status Daemon::start_drivers() {
    modbus_ = std::make_unique<modbus::ModbusDriver>(config_.devices, config_.points, *pipeline_,
                                                     clock_, log_);
    if (auto s = modbus_->start(); !s) return s;
    for (const auto& sp : config_.serial_ports) {
        serial_ports_.push_back(
            std::make_unique<serial::SerialPort>(sp, config_.points, *pipeline_, clock_, log_));
        if (auto s = serial_ports_.back()->start(); !s) return s;
    }
    frames_ =
        std::make_unique<FrameKeeper>([this](const camera::Frame& f) { vision_->on_frame(f); });
    for (const auto& cam : config_.cameras) {
        cameras_.push_back(
            std::make_unique<camera::Camera>(cam, *frames_, *pipeline_, clock_, log_));
        if (auto s = cameras_.back()->start(); !s) return s;
    }
    return Status::success();
}

int Daemon::run(ShutdownSignals& signals) {
    notifier_.ready("running");
    log_.info("daemon", "ready", {{"boot", store_->boot()}});
    // Wake at least every 500 ms: keeps the watchdog fed, reports what the
    // store did on its own, and bounds how long a shutdown request can wait.
    const int64_t wake_ms =
        notifier_.interval_ms() > 0 ? std::min<int64_t>(500, notifier_.interval_ms()) : 500;
    for (;;) {
        notifier_.watchdog(clock_.mono_ms());
        intake_->report_store_notices();
        auto sig = signals.wait(static_cast<int>(wake_ms));
        if (!sig) continue;
        if (*sig == SIGHUP) {
            log_.info("daemon", "SIGHUP ignored: restart the service to apply a new config");
            continue;
        }
        log_.info("daemon", "shutdown requested", {{"signal", *sig}});
        break;
    }
    notifier_.stopping();
    stop();
    log_.info("daemon", "stopped", {{"uptime_ms", clock_.mono_ms() - started_mono_ms_}});
    return 0;
}

// Reverse of start(). Bounded: the uplink gives the broker ~0.4 s for the
// offline status and ~0.4 s to disconnect; the store commits what is queued.
void Daemon::stop() {
    // A running mqtt test or selftest is cancelled first, so its client
    // still hears "gatewayd is stopping" before the socket closes.
    if (commands_) commands_->stop();
    if (control_) control_->stop();
    for (auto& c : cameras_) c->stop();
    for (auto& sp : serial_ports_) sp->stop();
    if (modbus_) modbus_->stop();
    if (pipeline_) pipeline_->stop();
    if (uplink_) uplink_->stop();
    if (intake_) intake_->report_store_notices();
    control_.reset();
    commands_.reset();
    cameras_.clear();
    serial_ports_.clear();
    modbus_.reset();
    pipeline_.reset();
    frames_.reset();
    vision_.reset();
    uplink_.reset();
    intake_.reset();
    store_.reset();
}

}  // namespace gw
