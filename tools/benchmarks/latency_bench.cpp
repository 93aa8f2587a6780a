// gw-bench-latency [--alarms N] [--poll-ms MS] [--mode normal|emergency]
//                  [--backlog ROWS] [--seed S]
// End-to-end alarm latency of the example site: the fire panel's room
// temperature register jumps from 21 to 90 C in sitesim (in this process,
// stamped by sitesim's set_now just before the change) -> the release
// gatewayd polls it (Modbus TCP) -> fire-1 raises heat_fixed -> the store ->
// the uplink -> a local mosquitto -> the center (a Paho subscriber in this
// process, stamping the arrival on the same wall clock). fire-1 runs without
// raise/clear holds so the figure is the gateway's own path, not a policy's.
// Each change comes at a random moment (uniform over one poll interval), so
// the poll phase is sampled evenly: expect p50 near poll/2 and p99 near poll.
//
// --backlog ROWS: before each alarm gatewayd is stopped, ROWS telemetry rows
// are put in its store (an outage's backlog), gatewayd is started again and
// the temperature jumps while the uplink drains them. Alarms first holds when
// the alarm reaches the center ahead of the backlog rows still unsent. A
// backlog beyond the store's telemetry cap (64 MiB, about 64,600 rows here)
// loses its oldest rows to the cap as it is written, by design: the bench
// expects the rows the store kept and reports the rest as backlog_rows_evicted.
//   latency.p50_ms / p99_ms / max_ms   change -> arrival at the center
//   latency.poll_ms                    the fire panel's poll interval in force
//                                      (emergency: poll_ms_emergency, written
//                                      as --poll-ms / 4, the loader's default)
//   latency.poll_ms_normal             --poll-ms, its normal-mode interval
//   latency.to_sample_* / sample_to_center_*  the same split at the event's ts
//                                      (the Modbus response): poll wait, gateway path
#include <algorithm>
#include <cstdlib>
#include <future>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "bench_cli.hpp"
#include "bench_util.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "live_set.hpp"
#include "sim_server.hpp"
#include "site_rig.hpp"
#include "store/store.hpp"
#include "support/mosquitto.hpp"
#include "support/temp_dir.hpp"

namespace {

constexpr int kFirePanel = 2;  // slave; holding register 0: room temperature, 0.1 C
constexpr uint16_t kCool = 210;
constexpr uint16_t kHot = 900;

struct Options {
    int alarms = 200;
    int poll_ms = 1000;
    std::string mode = "normal";
    int backlog = 0;
    unsigned seed = 1;
};

struct Figures {
    std::vector<double> latency_ms;
    // The same split at the event's ts (wall time of the Modbus response
    // that carried the heat): waiting for the poll, then the gateway's path
    // (detection, store commit, uplink, broker) to the center.
    std::vector<double> to_sample_ms, sample_to_center_ms;
    std::vector<double> rows_behind;  // backlog mode: backlog rows that arrived after the alarm
    int backlog_evicted = 0;          // backlog mode: rows the telemetry cap took at the fill
    int missed = 0;
};

// The store, built in one place: its constructor and options change often.
// Fills the daemon's store with `rows` telemetry messages (13 samples each,
// the example site's points) while the daemon is stopped.
// The fire panel's poll interval in the bench's mode. Emergency mode polls
// it at poll_ms_emergency, which the bench writes explicitly (a quarter, as
// the loader's default would be) so the figure it compares against is known.
int in_force_poll_ms(const Options& o) {
    return o.mode == "emergency" ? std::max(10, o.poll_ms / 4) : o.poll_ms;
}

// Returns the rows the store kept: beyond its telemetry cap it evicts the oldest.
int fill_backlog(const std::string& path, int rows) {
    gw::SystemClock clock;
    gw::Log log(gw::LogLevel::warn);
    gw::StoreOptions so;
    so.path = path;
    auto store = gw::Store::open(so, clock, log);
    if (!store) throw std::runtime_error(store.error());
    std::vector<gw::Sample> batch;
    for (int p = 0; p < 13; ++p)
        batch.push_back({"backlog_" + std::to_string(p), 20.0 + p, gw::Quality::good, 0});
    std::vector<std::future<gw::Status>> pending;
    const int64_t evicted0 = (*store)->stats().telemetry_evicted_rows;
    for (int r = 0; r < rows; ++r) {
        const int64_t t = clock.now_ms() - 3600000 + r;
        for (auto& s : batch) s.t_ms = t;
        pending.push_back((*store)->append_async(
            gw::Lane::telemetry, t, gw::contract::kTelemetryRoute,
            gw::contract::encode_telemetry(batch, {"site-001", "gw-01"}, true)));
    }
    for (auto& f : pending)
        if (!f.get().ok()) throw std::runtime_error("backlog row not stored");
    return rows - static_cast<int>((*store)->stats().telemetry_evicted_rows - evicted0);
}

bool is_backlog(const gw::bench::Arrival& a) {
    return gw::bench::is_telemetry(a) && a.payload.find("\"backlog_0\"") != std::string::npos;
}

class Bench {
  public:
    explicit Bench(const Options& o)
        : opt_(o),
          broker_(dir_.path(), "broker"),
          sim_(gw::bench::normal_day(true), gw::sitesim::SimOptions{}),
          rng_(o.seed) {
        broker_.start();
        sim_.set_value(kFirePanel, gw::Table::holding_register, 0, kCool);
        port_ = gw::test::free_port();
        if (auto s = sim_.start_tcp("127.0.0.1", port_); !s) throw std::runtime_error(s.error());
        gw::bench::SiteOptions so;
        so.dir = dir_.path();
        so.broker = broker_.uri();
        so.modbus_port = port_;
        so.mode = o.mode;
        so.fire_panel_poll_ms = o.poll_ms;
        if (o.mode == "emergency") so.fire_panel_poll_ms_emergency = in_force_poll_ms(o);
        so.instant_fire = true;
        so.log_level = "info";
        config_ = dir_.write("gateway.toml", gw::bench::example_config(so));
        // Events on a connection of their own: on a shared one the broker
        // would queue the alarm behind the telemetry sent to the same client.
        center_ = std::make_unique<gw::bench::Center>(broker_.uri(), "city/+/+/event",
                                                      "bench-center-events");
        if (o.backlog > 0)
            telemetry_ = std::make_unique<gw::bench::Center>(broker_.uri(), "city/+/+/telemetry",
                                                             "bench-center-telemetry");
    }

    Figures run() {
        Figures r;
        for (int i = -1; i < opt_.alarms; ++i) {  // -1: a warm-up, not counted
            if (opt_.backlog > 0)
                restart_with_backlog(r);
            else if (!daemon_)
                start_daemon();
            alarm(r, i >= 0);
            if (i >= 0 && (i + 1) % 20 == 0)
                std::fprintf(stderr, "latency: %d alarms, load %.2f\n", i + 1,
                             gw::bench::loadavg_1m());
        }
        daemon_.reset();
        return r;
    }

  private:
    void start_daemon() {
        daemon_ = std::make_unique<gw::bench::Gatewayd>(config_, dir_.path(),
                                                        "gatewayd-" + std::to_string(starts_++));
        std::string why;
        if (!daemon_->ready(30000, why)) throw std::runtime_error(why);
    }

    // Stop, put the backlog in the store, start, and wait until it drains.
    void restart_with_backlog(Figures& r) {
        if (daemon_) daemon_->stop();
        daemon_.reset();
        backlog_kept_ = fill_backlog(dir_.file("store.db"), opt_.backlog);
        r.backlog_evicted = std::max(r.backlog_evicted, opt_.backlog - backlog_kept_);
        backlog_seen_.clear();
        start_daemon();
        // The uplink has connected and the drain is under way.
        auto first = telemetry_->next(is_backlog, 30000, nullptr);
        if (!first) throw std::runtime_error("no backlog row reached the center");
        see_backlog(*first);
    }

    // One stimulus: hot at a random moment in the poll cycle, wait for the
    // raise at the center, cool again, wait for the clear.
    void alarm(Figures& r, bool counted) {
        std::uniform_int_distribution<int> phase(0, in_force_poll_ms(opt_));
        std::this_thread::sleep_for(std::chrono::milliseconds(phase(rng_)));
        const int timeout = opt_.poll_ms + 15000;
        const int64_t t0 = gw::sitesim::set_now(sim_, hot_);
        auto raise = center_->next(
            [](const gw::bench::Arrival& a) {
                const auto h = gw::bench::event_head(a);
                return h.type == "heat_fixed" && h.state == "raise";
            },
            timeout);
        if (raise && counted) {
            r.latency_ms.push_back(double(raise->t_us - t0) / 1000.0);
            const double ts_us = double(gw::bench::event_head(*raise).ts_ms) * 1000.0;
            r.to_sample_ms.push_back((ts_us - double(t0)) / 1000.0);
            r.sample_to_center_ms.push_back((double(raise->t_us) - ts_us) / 1000.0);
        }
        if (!raise && counted) ++r.missed;
        gw::sitesim::set_now(sim_, cool_);
        if (opt_.backlog > 0) {
            // Every backlog row must still arrive: count those behind the alarm.
            // Rows that reached the center before the alarm did (same clock);
            // the first one came before the stimulus.
            int before = 1;
            while (static_cast<int>(backlog_seen_.size()) < backlog_kept_) {
                auto row = telemetry_->next(is_backlog, 30000, nullptr);
                if (!row)
                    throw std::runtime_error(
                        "backlog rows lost: " +
                        std::to_string(backlog_kept_ - static_cast<int>(backlog_seen_.size())));
                if (see_backlog(*row) && raise && row->t_us < raise->t_us) ++before;
            }
            if (raise && counted) r.rows_behind.push_back(backlog_kept_ - before);
        }
        // Cleared before the next stimulus, also before a restart: an incident
        // left open is adopted by the restarted daemon (the closed loop), and
        // its next raise would reach the center as an update.
        auto clear = center_->next(
            [](const gw::bench::Arrival& a) {
                const auto h = gw::bench::event_head(a);
                return h.type == "heat_fixed" && h.state == "clear";
            },
            timeout);
        if (!clear) throw std::runtime_error("the heat alarm did not clear");
    }

    Options opt_;
    gw::test::TempDir dir_;
    gw::test::Mosquitto broker_;
    gw::sitesim::Simulator sim_;
    std::mt19937 rng_;
    int port_ = 0;
    std::string config_;
    std::unique_ptr<gw::bench::Center> center_;     // events
    std::unique_ptr<gw::bench::Center> telemetry_;  // --backlog: counts the rows
    std::unique_ptr<gw::bench::Gatewayd> daemon_;
    int starts_ = 0;
    int backlog_kept_ = 0;  // rows of the last fill the store kept
    // Rows are told apart by payload: delivery is at least once, so a row
    // resent after a reconnect must not count twice.
    std::unordered_set<std::string> backlog_seen_;
    // True the first time a row is seen.
    bool see_backlog(const gw::bench::Arrival& a) { return backlog_seen_.insert(a.payload).second; }
    const gw::sitesim::Step hot_{0, kFirePanel, false, gw::Table::holding_register, 0, kHot, {}};
    const gw::sitesim::Step cool_{0, kFirePanel, false, gw::Table::holding_register, 0, kCool, {}};
};

Options parse(int argc, char** argv) {
    Options o;
    CLI::App app{"gw-bench-latency: heat at the sensor to the alarm at the center"};
    app.add_option("--alarms", o.alarms, "alarms to time")->check(CLI::Range(1, 100000));
    app.add_option("--poll-ms", o.poll_ms, "the devices' poll period")
        ->check(CLI::Range(10, 600000));
    app.add_option("--mode", o.mode, "the gateway's mode")
        ->check(CLI::IsMember({"normal", "emergency"}));
    app.add_option("--backlog", o.backlog, "telemetry rows queued before the alarms")
        ->check(CLI::Range(0, 100000000));
    app.add_option("--seed", o.seed, "random seed of the alarms' timing");
    gw::bench::parse_or_exit(app, argc, argv);
    return o;
}

void report(const Options& o, const Figures& r, double load0) {
    using gw::bench::line;
    const auto& v = r.latency_ms;
    const std::string p = o.backlog > 0 ? "latency.backlog" : "latency";
    line(p + ".mode_" + o.mode, 1, "flag");
    line(p + ".poll_ms", in_force_poll_ms(o), "ms");
    line(p + ".poll_ms_normal", o.poll_ms, "ms");
    line(p + ".alarms", static_cast<double>(v.size()), "alarms");
    line(p + ".missed", r.missed, "alarms");
    line(p + ".p50_ms", gw::bench::percentile(v, 50), "ms");
    line(p + ".p90_ms", gw::bench::percentile(v, 90), "ms");
    line(p + ".p99_ms", gw::bench::percentile(v, 99), "ms");
    line(p + ".max_ms", v.empty() ? 0 : *std::max_element(v.begin(), v.end()), "ms");
    line(p + ".min_ms", v.empty() ? 0 : *std::min_element(v.begin(), v.end()), "ms");
    line(p + ".p99_minus_poll_ms", gw::bench::percentile(v, 99) - in_force_poll_ms(o), "ms");
    // ts has millisecond resolution: the split is good to about 1 ms.
    line(p + ".to_sample_p50_ms", gw::bench::percentile(r.to_sample_ms, 50), "ms");
    line(p + ".to_sample_p99_ms", gw::bench::percentile(r.to_sample_ms, 99), "ms");
    line(p + ".sample_to_center_p50_ms", gw::bench::percentile(r.sample_to_center_ms, 50), "ms");
    line(p + ".sample_to_center_p99_ms", gw::bench::percentile(r.sample_to_center_ms, 99), "ms");
    const auto& sc = r.sample_to_center_ms;
    line(p + ".sample_to_center_max_ms", sc.empty() ? 0 : *std::max_element(sc.begin(), sc.end()),
         "ms");
    if (o.backlog > 0) {
        const auto behind = gw::bench::spread(r.rows_behind);
        line(p + ".backlog_rows", o.backlog, "rows");
        line(p + ".backlog_rows_evicted", r.backlog_evicted, "rows");
        line(p + ".rows_behind_alarm_median", behind.median, "rows");
        line(p + ".rows_behind_alarm_min", behind.min, "rows");
        line(p + ".alarms_ahead_of_backlog",
             static_cast<double>(std::count_if(r.rows_behind.begin(), r.rows_behind.end(),
                                               [](double n) { return n > 0; })),
             "alarms");
    }
    line(p + ".loadavg_start", load0, "load");
    line(p + ".loadavg_end", gw::bench::loadavg_1m(), "load");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        const double load0 = gw::bench::loadavg_1m();
        Bench bench(o);
        const Figures r = bench.run();
        report(o, r, load0);
        return r.missed == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gw-bench-latency: %s\n", e.what());
        return 1;
    }
}
