#include "disk_full.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace gw::soak {
namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

double since(steady::time_point t0) {
    return std::chrono::duration<double>(steady::now() - t0).count();
}

// A file system of its own for the data dir: tmpfs, else an ext4 image on a
// loop device. Unmounted when it goes away.
class SmallDisk {
  public:
    SmallDisk(const std::string& dir, const std::string& image, int size_mb) : dir_(dir) {
        ::mkdir(dir.c_str(), 0700);
        const std::string mb = std::to_string(size_mb);
        auto tmpfs =
            test::run({"mount", "-t", "tmpfs", "-o", "size=" + mb + "m,mode=0700", "gw-soak", dir});
        if (tmpfs.code == 0) {
            kind_ = "tmpfs " + mb + " MiB";
            return;
        }
        auto made = test::run({"truncate", "-s", mb + "M", image});
        if (made.code == 0) made = test::run({"mkfs.ext4", "-q", "-F", image});
        if (made.code == 0) made = test::run({"mount", "-o", "loop", image, dir});
        if (made.code == 0) {
            kind_ = "ext4 image " + mb + " MiB";
            return;
        }
        why_not_ = "cannot mount a small file system (tmpfs: " + tmpfs.err +
                   "; loop-mounted ext4: " + made.err + ")" +
                   (::geteuid() != 0 ? "; mounting needs root" : "");
        while (!why_not_.empty() && (why_not_.back() == '\n')) why_not_.pop_back();
    }
    ~SmallDisk() {
        if (kind_.empty()) return;
        if (test::run({"umount", dir_}).code != 0) test::run({"umount", "-l", dir_});
    }
    bool mounted() const { return !kind_.empty(); }
    const std::string& kind() const { return kind_; }
    const std::string& why_not() const { return why_not_; }

  private:
    std::string dir_;
    std::string kind_;
    std::string why_not_;
};

int64_t store_field(const nlohmann::json& st, const char* lane, const char* key) {
    return st["store"][lane].value(key, int64_t(0));
}

std::unique_ptr<test::Process> start_gateway(const DiskFullOptions& o, const std::string& config,
                                             const std::string& work, const std::string& name) {
    auto gw = std::make_unique<test::Process>(std::vector<std::string>{o.gatewayd, "-c", config},
                                              work, name);
    if (!gw->wait_for_output("msg=ready", 60000)) return nullptr;
    return gw;
}

class DiskFullRun {
  public:
    DiskFullRun(const DiskFullOptions& o, const std::string& work, DiskFullResult& r)
        : o_(o), work_(work), r_(r) {}
    void run();

  private:
    bool fill();
    size_t alarms_while_full();
    void restart_while_full();
    double accept_one();
    void drain_while_full(test::Mosquitto& broker, Center& center);
    void space_returns();
    void note(const char* what) {
        if (o_.verbose) std::fprintf(stderr, "soak: disk full: %s (%.1f s)\n", what, since(t0_));
    }

    const DiskFullOptions& o_;
    std::string work_;
    DiskFullResult& r_;
    steady::time_point t0_ = steady::now();
    std::string socket_;
    std::string config_;
    std::string ballast_;
    Ledger ledger_;
    std::unique_ptr<test::Process> gw_;
};

// Alarms trickle in beside the telemetry until SQLite says the disk is full.
bool DiskFullRun::fill() {
    const auto t0 = steady::now();
    auto next_status = t0;
    while (since(t0) < o_.fill_timeout_s) {
        if (inject(socket_, "alarm", 200, ledger_) == InjectOutcome::daemon_gone) {
            r_.failures.push_back("gatewayd went away while the disk filled: " + tail(gw_->err()));
            return false;
        }
        if (steady::now() >= next_status) {
            next_status += milliseconds(250);
            auto st = status(socket_);
            if (st && (*st)["store"].value("full_events", 0) > 0) {
                if (r_.seconds_to_full == 0) {
                    r_.seconds_to_full = since(t0);
                    r_.telemetry_rows_at_full = store_field(*st, "telemetry", "rows");
                }
                return true;
            }
        }
        std::this_thread::sleep_for(milliseconds(20));
    }
    r_.failures.push_back("the disk did not fill within " + std::to_string(o_.fill_timeout_s) +
                          " s");
    return false;
}

// Full: alarms are still taken (telemetry is evicted for them) until nothing
// is left to evict; then they are refused with a clear error. Returns the
// alarms accepted.
size_t DiskFullRun::alarms_while_full() {
    const size_t before = ledger_.accepted_count();
    int refused_in_a_row = 0;
    for (int attempt = 0; attempt < 50000 && refused_in_a_row < 5; ++attempt) {
        switch (inject(socket_, "alarm", static_cast<size_t>(o_.big_alarm_bytes), ledger_)) {
            case InjectOutcome::accepted:
                refused_in_a_row = 0;
                break;
            case InjectOutcome::refused:
                if (r_.telemetry_rows_at_first_refusal < 0)
                    if (auto st = status(socket_))
                        r_.telemetry_rows_at_first_refusal = store_field(*st, "telemetry", "rows");
                ++refused_in_a_row;
                std::this_thread::sleep_for(milliseconds(50));
                break;
            case InjectOutcome::daemon_gone:
                r_.failures.push_back("gatewayd went away on a full disk: " + tail(gw_->err()));
                return ledger_.accepted_count() - before;
        }
    }
    auto st = status(socket_);
    r_.alive_after_refusals = st.has_value();
    if (st) r_.telemetry_evicted_rows += (*st)["store"].value("evicted_rows", int64_t(0));
    return ledger_.accepted_count() - before;
}

void DiskFullRun::restart_while_full() {
    gw_->signal(SIGKILL);
    gw_->wait(10000);
    gw_ = start_gateway(o_, config_, work_, "gatewayd-full-restart");
    r_.restarted_on_full_disk = gw_ != nullptr;
    if (!gw_)
        r_.failures.push_back("gatewayd did not start again on the full disk: " +
                              tail(test::read_file(work_ + "/gatewayd-full-restart.err")));
}

// Accepted after how many seconds of trying; -1 if not within 60 s.
double DiskFullRun::accept_one() {
    const auto t0 = steady::now();
    while (gw_ && since(t0) < 60) {
        if (inject(socket_, "alarm", 200, ledger_) == InjectOutcome::accepted) return since(t0);
        std::this_thread::sleep_for(milliseconds(200));
    }
    return -1;
}

// The broker comes back while the disk is still full: the drain deletes
// rows on PUBACK (on the full disk), and the room they leave takes alarms.
void DiskFullRun::drain_while_full(test::Mosquitto& broker, Center& center) {
    broker.start();
    const auto t0 = steady::now();
    r_.drained_while_full = center.wait_for(ledger_.accepted_ids(), 180000);
    r_.seconds_to_drain_while_full = since(t0);
    if (!r_.drained_while_full)
        r_.failures.push_back("the store did not drain to the broker on the full disk");
    r_.seconds_to_accept_after_drain = accept_one();
    if (r_.seconds_to_accept_after_drain < 0)
        r_.failures.push_back("no alarm accepted within 60 s after the drain on the full disk");
}

// Space comes back: alarms are accepted again, without a restart.
void DiskFullRun::space_returns() {
    ::unlink(ballast_.c_str());
    if (!gw_) gw_ = start_gateway(o_, config_, work_, "gatewayd-after-space");
    r_.seconds_to_accept_after_space = accept_one();
    if (r_.seconds_to_accept_after_space < 0)
        r_.failures.push_back("no alarm accepted within 60 s after space returned");
}

void DiskFullRun::run() {
    const std::string mnt = work_ + "/disk";
    SmallDisk disk(mnt, work_ + "/disk.img", o_.disk_mb);
    if (!disk.mounted()) {
        r_.skipped = true;
        r_.skip_reason = disk.why_not();
        return;
    }
    r_.file_system = disk.kind();
    test::Mosquitto broker(work_, "broker-full", persistent_broker());
    broker.start();
    Center center(broker.uri());
    if (!center.ready(20000)) {
        r_.failures.push_back("the center could not subscribe");
        return;
    }
    broker.stop(SIGTERM);  // a long outage: the store alone holds everything
    ballast_ = mnt + "/ballast";
    std::ofstream(ballast_) << std::string(static_cast<size_t>(o_.ballast_kb) * 1024, 'b');
    SerialSensor sensor;
    const GatewaySetup setup{mnt + "/data", broker.uri(), sensor.device()};
    socket_ = control_socket(setup);
    config_ = work_ + "/gateway-full.toml";
    std::ofstream(config_) << gateway_config(setup);
    gw_ = start_gateway(o_, config_, work_, "gatewayd-full");
    if (!gw_) {
        r_.failures.push_back("gatewayd did not start on the empty disk: " +
                              tail(test::read_file(work_ + "/gatewayd-full.err")));
        return;
    }
    sensor.start(0);
    note("filling");
    if (fill()) {
        note("full");
        r_.alarms_accepted_while_full = alarms_while_full();
        note("alarms refused");
        restart_while_full();
        note("restarted on the full disk");
        // The restarted store has no reserve (no room for it): full again.
        if (gw_ && (r_.full_again_after_restart = fill())) {
            r_.alarms_accepted_full_again = alarms_while_full();
            note("full again, alarms refused");
        }
        drain_while_full(broker, center);
        note("drained on the full disk");
        space_returns();
        note("space returned");
    }
    if (!broker.running()) broker.start();
    const auto accepted = ledger_.accepted_ids();
    center.wait_for(accepted, 180000);
    sensor.stop();
    if (gw_) {
        gw_->signal(SIGTERM);
        if (gw_->wait(20000) != 0) r_.failures.push_back("gatewayd did not stop cleanly");
        gw_.reset();
    }
    r_.delivery = center.count(accepted);
    r_.notices = center.other_events();
    r_.refusals = ledger_.refusals();
}

void check(DiskFullResult& r) {
    if (r.skipped) return;
    auto& f = r.failures;
    if (r.delivery.lost > 0)
        f.push_back(std::to_string(r.delivery.lost) +
                    " accepted alarms lost (first: " + r.delivery.lost_ids.front() + ")");
    for (const auto& [why, n] : r.refusals)
        if (why.find("full") == std::string::npos)
            f.push_back("refusal without a clear reason: " + why);
    if (r.seconds_to_full > 0) {
        if (r.alarms_accepted_while_full == 0)
            f.push_back("no alarm accepted once the disk was full (telemetry should make room)");
        if (r.telemetry_rows_at_first_refusal > 0)
            f.push_back("an alarm was refused while " +
                        std::to_string(r.telemetry_rows_at_first_refusal) +
                        " telemetry rows could have been evicted for it");
        if (r.telemetry_evicted_rows == 0) f.push_back("no telemetry evicted on the full disk");
        if (r.refusals.empty()) f.push_back("alarms were never refused: the disk never ran out");
        if (!r.alive_after_refusals) f.push_back("gatewayd stopped answering after refusals");
    }
}

}  // namespace

DiskFullResult run_disk_full(const DiskFullOptions& options, const std::string& work) {
    DiskFullResult r;
    const auto t0 = steady::now();
    DiskFullRun(options, work, r).run();
    check(r);
    r.seconds = since(t0);
    return r;
}

}  // namespace gw::soak
