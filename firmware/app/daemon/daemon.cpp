#include "daemon.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "command/channel.hpp"
#include "command/gateway_commands.hpp"
#include "command/loop_commands.hpp"
#include "command/router.hpp"
#include "command/signature.hpp"
#include "control/commands.hpp"
#include "control/control_server.hpp"
#include "control/diag.hpp"
#include "control/diag_sources.hpp"
#include "control/dispatcher.hpp"
#include "core/file_io.hpp"
#include "detectors/detector_set.hpp"
#include "drivers/camera/camera.hpp"
#include "drivers/modbus/bus_poller.hpp"
#include "drivers/serial/serial_port.hpp"
#include "gw/version.hpp"
#include "loop/closed_loop.hpp"
#include "pipeline/frame_keeper.hpp"
#include "pipeline/intake.hpp"
#include "pipeline/live_state.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/vision_runner.hpp"
#include "store/command_book.hpp"
#include "store/store.hpp"
#include "uplink/uplink.hpp"
#include "watchdog_feeder.hpp"

namespace gw {
namespace {

// mkdir -p: the store and the socket live under data_dir. What it creates
// is 0750 whatever the umask (mkdir's mode is cut by it, chmod's is not);
// folders that exist are left as they are.
Status make_dirs(const std::string& path) {
    // From the first character on: a relative "d/gw" makes "d" first.
    for (size_t pos = 0; pos != std::string::npos;) {
        pos = path.find('/', pos + 1);
        std::string part = path.substr(0, pos);
        if (::mkdir(part.c_str(), 0750) != 0) {
            if (errno == EEXIST) continue;
            return fail(errno_text("cannot create", part));
        }
        if (::chmod(part.c_str(), 0750) != 0) return fail(errno_text("cannot chmod", part));
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
    if (auto s = take_data_dirs(); !s) return s;
    if (auto s = open_store(); !s) return s;
    if (auto s = start_uplink(); !s) return s;
    if (auto s = start_pipeline(); !s) return s;
    if (auto s = start_drivers(); !s) return s;
    add_control_commands();
    control_ = std::make_unique<ControlServer>(config_.control.socket, config_.control.group,
                                               *commands_, clock_, log_);
    if (auto s = control_->start(); !s) return s;
    return start_commands();
}

// The store's and the socket's folders, and the locks that keep a second
// gatewayd off them.
Status Daemon::take_data_dirs() {
    for (const auto& dir : {parent_of(config_.store.path), parent_of(config_.control.socket)}) {
        if (dir.empty()) continue;
        if (auto s = make_dirs(dir); !s) return s;
    }
    for (auto [path, lock] : {std::pair{&config_.store.path, &store_lock_},
                              std::pair{&config_.control.socket, &socket_lock_}}) {
        auto taken = InstanceLock::take(*path);
        if (!taken) return fail(taken.error());
        if (!taken->held()) log_.warn("daemon", taken->warning());
        *lock = std::move(*taken);
    }
    return Status::success();
}

// The store, the event ids of this boot, the intake and the closed loop
// that watches what it stores.
Status Daemon::open_store() {
    auto store = Store::open(config_.store, clock_, log_);
    if (!store) return fail(store.error());
    store_ = std::move(*store);
    ids_ = std::make_unique<EventIdSource>(config_.identity.gateway, store_->boot());
    intake_ = std::make_unique<Intake>(*store_, *ids_, origin(), clock_, log_);
    auto loop = loop::ClosedLoop::open(config_, config_.store.path, clock_, log_);
    if (!loop) return fail(loop.error());
    loop_ = std::move(*loop);
    intake_->add_observer(loop_.get());
    intake_->report_store_recovery();
    return Status::success();
}

// The uplink with the command channel behind it, the closed loop's events
// and mode going out through them.
Status Daemon::start_uplink() {
    const auto topics = contract::make_topics(config_.uplink.topic_prefix, config_.identity.site,
                                              config_.identity.gateway);
    contract::GatewayStatus birth{kVersion, store_->boot(), config_.hash, true, 0};
    uplink_ =
        std::make_unique<Uplink>(config_.uplink, topics, origin(), birth, *store_, clock_, log_);
    commands_ = std::make_unique<Dispatcher>(clock_, log_);
    if (auto s = open_commands(origin()); !s) return s;
    uplink_->set_command_sink(channel_.get());
    loop_->attach([this](Event e) -> Result<Event> { return intake_->store_event(std::move(e)); },
                  [this](const loop::ModeState& m) {
                      uplink_->set_mode(std::string(to_string(m.mode)), m.until_ms);
                  });
    return uplink_->start();
}

// The control socket's commands (gatewayctl).
void Daemon::add_control_commands() {
    add_daemon_commands(*commands_,
                        {config_, *intake_, *store_, *uplink_, clock_, started_mono_ms_,
                         [this] { return loop::mode_json(loop_->mode().state()); },
                         [this](const std::string& id) { return loop_->book().is_open(id); },
                         [this] { return pipeline_json(pipeline_->stats()); }});
    command::add_loop_control_commands(*commands_, *loop_);
    add_diag_commands(
        *commands_,
        {config_, *live_, *intake_, *store_, *uplink_, clock_, [this] { return device_counters(); },
         [this](const std::string& bus) { return config_owns_bus(config_, bus); },
         [this](const std::string& camera) { return vision_->snapshot(camera, *frames_); }});
}

contract::Origin Daemon::origin() const {
    return {config_.identity.site, config_.identity.gateway};
}

// The inbox and the channel exist before the uplink connects: a command
// that arrives on the first connect is recorded at once.
Status Daemon::open_commands(const contract::Origin& origin) {
    command::ChannelOptions options;
    if (!config_.commands.secret_file.empty()) {
        auto secret = read_secret(config_.commands.secret_file);
        if (!secret) return fail("commands.secret_file: " + secret.error());
        options.signing.secret = *secret;
        options.signing.max_skew_ms = int64_t(config_.commands.max_skew_s) * 1000;
        options.signing.allow_unsynced = config_.commands.allow_unsynced;
    }
    auto book = CommandBook::open(config_.store.path);
    if (!book) return fail(book.error());
    command_book_ = std::move(*book);
    router_ = std::make_unique<command::CommandRouter>(clock_, log_);
    add_router_commands();
    channel_ = std::make_unique<command::CommandChannel>(options, *command_book_, *store_, *router_,
                                                         origin, clock_, log_);
    return Status::success();
}

// Every handler is in the router before the uplink starts: a command that
// arrives on the first connect is checked against the full table (added
// later, it was refused as an unknown command, and the table was written
// while the MQTT thread read it). The handlers use the pipeline and the
// control dispatcher only when they run, after start_commands().
void Daemon::add_router_commands() {
    command::add_gateway_commands(*router_, {config_, *intake_, *ids_, *commands_,
                                             [this](const std::string& camera) {
                                                 return vision_->snapshot(camera, *frames_);
                                             },
                                             [this] { restart_requested_ = true; }});
    // The closed loop's commands answer at once (the book and the mode
    // controller lock their own state), so they need no deadline of their own.
    router_->add("ack", [this](const nlohmann::json& request, command::Done done) {
        auto result = command::ack(*loop_, request);
        done(result ? *result : command::error(result.error()));
    });
    router_->add(
        "mode",
        [this](const nlohmann::json& request, command::Done done) {
            auto result = command::mode(*loop_, request);
            done(result ? *result : command::error(result.error()));
        },
        0, command::mode_request_error);
}

// Runs what the inbox holds and starts executing new commands.
Status Daemon::start_commands() {
    return channel_->start();
}

// SIGHUP does what the reload command does: nothing when the file is the
// running config (a restart would reset the detectors and flap the status).
bool Daemon::new_config_valid() {
    auto hash = command::check_new_config(config_);
    if (!hash) {
        log_.error("daemon", "SIGHUP: invalid configuration, running config kept",
                   {{"config", config_.file}, {"errors", hash.error()}});
        return false;
    }
    if (*hash == config_.hash) {
        log_.info("daemon", "SIGHUP: the file is the running config, nothing to apply",
                  {{"config", config_.file}});
        return false;
    }
    return true;
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
    // Whatever is stored shows in `gatewayctl events`: detectors', the
    // loop's, injected and the center's snapshots alike.
    intake_->add_observer(live_.get());
    pipeline_ = std::make_unique<Pipeline>(config_, std::move(*detectors), *intake_, *live_, clock_,
                                           log_, &loop_->mode());
    vision_ = std::make_unique<VisionRunner>(*pipeline_, *intake_, log_, &loop_->mode());
    if (auto s = vision_->build(config_.detectors, config_.cameras, *ids_); !s) return s;
    log_.info(
        "daemon", "detectors built",
        {{"sensor", config_.detectors.size() - vision_->size()}, {"vision", vision_->size()}});
    return pipeline_->start();
}

// Drivers and cameras open their devices on their own threads: a dead device
// never delays start-up or the others.
Status Daemon::start_drivers() {
    modbus_ = std::make_unique<modbus::ModbusDriver>(config_.devices, config_.points, *pipeline_,
                                                     clock_, log_, &loop_->mode());
    if (auto s = modbus_->start(); !s) return s;
    for (const auto& sp : config_.serial_ports) {
        serial_ports_.push_back(
            std::make_unique<serial::SerialPort>(sp, config_.points, *pipeline_, clock_, log_));
        if (auto s = serial_ports_.back()->start(); !s) return s;
    }
    frames_ =
        std::make_unique<FrameKeeper>([this](const camera::Frame& f) { vision_->on_frame(f); });
    for (const auto& cam : config_.cameras) {
        cameras_.push_back(std::make_unique<camera::Camera>(cam, *frames_, *pipeline_, clock_, log_,
                                                            &loop_->mode()));
        if (auto s = cameras_.back()->start(); !s) return s;
    }
    return Status::success();
}

int Daemon::run(ShutdownSignals& signals) {
    notifier_.ready("running");
    log_.info("daemon", "ready", {{"boot", store_->boot()}});
    serve(signals);
    if (restart_requested_ || salvage_requested_) {
        if (restart_requested_)
            log_.info("daemon", "restarting with the new config", {{"config", config_.file}});
        // The process stays, so systemd's watchdog runs on through the stop
        // with no worker left to beat (a camera's read, a broker's DNS
        // lookup may hold it for seconds): fed, for at most a minute.
        const RebuildFeeder fed(clock_, log_, kReloadStopLimitMs);
        stop();
        return restart_requested_ ? kRestart : kRebuild;
    }
    notifier_.stopping();
    stop();
    log_.info("daemon", "stopped", {{"uptime_ms", clock_.mono_ms() - started_mono_ms_}});
    return 0;
}

// Signals end the wait at once (signalfd); the timeout reports what the
// store did on its own (evictions, full) and ticks the closed loop
// (re-sends, escalation, the end of an emergency), all on a scale of
// seconds: once a second is enough, and every wake of an idle gateway costs
// power. The watchdog is fed beside it, while this loop and the workers
// beat; it stops before stop() takes the workers apart.
void Daemon::serve(ShutdownSignals& signals) {
    const WatchdogFeeder feeder(notifier_, watch_workers(), clock_, log_);
    for (;;) {
        if (!damage_check_hangs()) main_beat_.beat(clock_.mono_ms());
        intake_->report_store_notices();
        if (restart_requested_) return;
        if (salvage_due()) {
            salvage_requested_ = true;
            return;
        }
        loop_->tick(!uplink_->state().connected);
        auto sig = signals.wait(1000);
        if (!sig) continue;
        if (*sig == SIGHUP) {
            if (new_config_valid()) restart_requested_ = true;
            continue;
        }
        log_.info("daemon", "shutdown requested", {{"signal", *sig}});
        return;
    }
}

// A page of the store damaged while it runs (the check at open finds only
// what is damaged by then) holds the rows behind it, alarms too, until the
// salvage at the next open: the lane waited for a restart nobody made.
// Once the check finds the damage, the parts are rebuilt in this process
// with the running config, and the store's open salvages it. The check
// runs in the background, started at most every kSalvageGapMs (it reads
// the whole file; see there): this loop goes on beating and ticking the
// closed loop meanwhile, and is asked again each second.
bool Daemon::salvage_due() {
    if (damage_check_) return damage_found();
    const int64_t now = clock_.mono_ms();
    if (!store_->damage_seen() || now < next_damage_check_mono_) return false;
    next_damage_check_mono_ = now + kSalvageGapMs;
    damage_check_ = store_->start_integrity_check();
    damage_check_started_mono_ = now;
    return false;
}

// A check still reading after kDamageCheckLimitMs (a large store on a slow
// card takes about one) hangs in I/O: no salvage would ever come. The main
// loop then stops beating, and the watchdog restarts gatewayd after the
// workers' stall limit, as when the check ran on this loop; the store's
// open checks and salvages the file.
bool Daemon::damage_check_hangs() const {
    return damage_check_ && !damage_check_->done() &&
           clock_.mono_ms() - damage_check_started_mono_ > kDamageCheckLimitMs;
}

bool Daemon::damage_found() {
    if (!damage_check_->done()) return false;
    auto found = damage_check_->damage();
    damage_check_.reset();
    if (!found) {
        // A damaged index, say: the check at open would not find it either,
        // so neither a rebuild nor a restart would salvage the file.
        log_.warn("daemon",
                  "the store met damage its check does not find: no salvage; reads over it "
                  "keep failing",
                  {{"check_again_in_s", kSalvageGapMs / 1000}});
        return false;
    }
    log_.error("daemon", "the store is damaged: rebuilding the gateway's parts to salvage it",
               {{"finding", *found}});
    return true;
}

// The threads that carry an event from a driver to the broker, and the
// main loop. Each beats at least every 5 s when idle and at each step of
// progress when busy (an event or a telemetry batch committed, a store
// transaction). Five silent minutes is a hang (a lock never released, a
// library call that never returns): a slow or full disk makes each step
// slower, but a single step of minutes means the disk is gone, which a
// restart does not make worse.
Liveness Daemon::watch_workers() const {
    constexpr int64_t kStallLimitMs = 300000;
    std::vector<Vital> vitals = pipeline_->vitals();
    vitals.push_back(store_->writer_vital());
    vitals.push_back(uplink_->vital());
    vitals.push_back({"daemon.main", &main_beat_});
    return Liveness(std::move(vitals), kStallLimitMs, clock_.mono_ms());
}

// Reverse of start(). Bounded: the uplink gives the broker ~0.4 s for the
// offline status and ~0.4 s to disconnect; the store commits what is queued.
void Daemon::stop() {
    // Cameras stuck in an open or a read wait out their timeouts together,
    // while the rest stops.
    for (auto& c : cameras_) c->request_stop();
    // A check reading a large file would hold the stop for up to a minute.
    if (damage_check_) damage_check_->abandon();
    // A running mqtt test or selftest is cancelled first, so its client
    // still hears "gatewayd is stopping" before the socket closes.
    // Commands from the center first: one still running stays pending in the
    // inbox and runs again after the restart.
    if (channel_) channel_->stop();
    if (commands_) commands_->stop();
    if (control_) control_->stop();
    for (auto& c : cameras_) c->stop();
    for (auto& sp : serial_ports_) sp->stop();
    if (modbus_) modbus_->stop();
    if (pipeline_) pipeline_->stop();
    if (uplink_) uplink_->stop();
    if (intake_) intake_->report_store_notices();
    if (intake_) intake_->clear_observers();
    control_.reset();
    commands_.reset();
    cameras_.clear();
    serial_ports_.clear();
    modbus_.reset();
    pipeline_.reset();
    frames_.reset();
    vision_.reset();
    uplink_.reset();  // no command arrives after this
    channel_.reset();
    router_.reset();
    command_book_.reset();
    intake_.reset();
    loop_.reset();
    damage_check_.reset();
    store_.reset();
}

}  // namespace gw
