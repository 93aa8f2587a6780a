// gw-bench-uplink [--pairs N] [--backlog N] [--windows W1,W2,...] [--window W]
// Drains a backlog of events from the store to a local mosquitto (started
// here) and compares with the strongest raw Paho QoS 1 publisher on the same
// broker with the same payloads.
//
// The baseline is the best raw Paho can do on this work: an async_client with
// no persistence, publish(msg, ctx, listener) of the same ~376 B payloads,
// QoS 1, a window of unacknowledged publishes refilled in bulk as PUBACKs
// come in. First every window in --windows is tried (two alternating rounds
// each) and the fastest becomes the baseline; then baseline and drain run in
// alternating pairs (AB BA ...), each run in a fresh child process, and the
// ratio is the median of the per-pair ratios.
//   uplink.drain_acked_per_s       PUBACKed events/s, connected -> last PUBACK
//   uplink.raw_paho_acked_per_s    the baseline, at uplink.raw_paho_window
//   uplink.ratio                   median of the per-pair drain/baseline ratios
//   uplink.cpu_ratio               the same for CPU per message (baseline/drain):
//                                  efficiency, less sensitive to a busy machine
//   uplink.peak_rss_mb             largest VmHWM of a drain child (it opens the
//                                  store and drains; the backlog is written by
//                                  another child first)
//   uplink.drain_rss_growth_mb     largest VmHWM - VmRSS at the child's start:
//                                  what the store and the drain add, without
//                                  the process image (the unity build links
//                                  OpenCV and its libraries into this binary
//                                  too, 12 -> 151 of them, which alone moves
//                                  the peak from 12 to 25 MiB)
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <future>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <mqtt/async_client.h>

#include "bench_cli.hpp"
#include "bench_util.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "store/store.hpp"
#include "support/mosquitto.hpp"
#include "support/temp_dir.hpp"
#include "uplink/uplink.hpp"

namespace {

struct Options {
    int pairs = 6;
    int backlog = 50000;
    int window = 100;  // the gateway's inflight_window (its maximum)
    std::vector<int> raw_windows{20, 50, 100, 200, 400};
    std::string once;  // "drain" or "raw": one run in this process (for callgrind, perf)
};

// The gateway's parts, built in one place: their constructors change often.
struct Gateway {
    std::unique_ptr<gw::Store> store;
    std::unique_ptr<gw::Uplink> uplink;
};

gw::Result<Gateway> make_gateway(const std::string& db, const std::string& uri, int window,
                                 gw::Clock& clock, gw::Log& log) {
    gw::StoreOptions so;
    so.path = db;
    auto store = gw::Store::open(so, clock, log);
    if (!store) return gw::fail(store.error());
    Gateway g;
    g.store = std::move(*store);
    if (uri.empty()) return g;
    gw::UplinkConfig uc;
    uc.brokers = {uri};
    uc.client_id = "bench-gateway";
    uc.inflight_window = window;
    const auto topics = gw::contract::make_topics("city", "site-001", "gw-01");
    g.uplink = std::make_unique<gw::Uplink>(
        uc, topics, gw::contract::Origin{"site-001", "gw-01"},
        gw::contract::GatewayStatus{"bench", g.store->boot(), "h", true, 0}, *g.store, clock, log);
    return g;
}

// Child: writes the backlog (the drain child then opens a store it did not fill).
std::vector<double> fill_backlog(const std::string& db, int backlog) {
    gw::SystemClock clock;
    gw::Log log(gw::LogLevel::warn);
    auto g = make_gateway(db, "", 0, clock, log);
    if (!g) return {};
    std::deque<std::future<gw::Status>> open;
    for (int i = 0; i < backlog; ++i) {
        if (open.size() >= 1024) {
            if (!open.front().get().ok()) return {};
            open.pop_front();
        }
        open.push_back(g->store->append_async(gw::Lane::alarm, i, gw::contract::kEventRoute,
                                              gw::bench::event_payload(i)));
    }
    for (auto& f : open)
        if (!f.get().ok()) return {};
    return {1};
}

// Child: the uplink drains the store. Returns {acked/s, VmHWM MiB, rows
// left, CPU seconds of the whole process during the drain, VmRSS MiB at
// the start}.
std::vector<double> drain(const std::string& db, const std::string& uri, int window, int backlog) {
    const double rss0 = gw::bench::rss_mb("VmRSS");
    gw::SystemClock clock;
    gw::Log log(gw::LogLevel::warn);
    auto g = make_gateway(db, uri, window, clock, log);
    const double cpu0 = gw::bench::cpu_seconds();
    if (!g || !g->uplink->start().ok()) return {};
    gw::LinkState st;
    // Polled coarsely: the rate comes from the uplink's own timestamps.
    while ((st = g->uplink->state()).acked < backlog)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const double ms = static_cast<double>(st.last_puback_ms - st.connected_since_ms);
    const double cpu = gw::bench::cpu_seconds() - cpu0;
    const double peak = gw::bench::rss_mb("VmHWM");
    g->store->flush();
    const double left = static_cast<double>(g->store->stats().alarm.rows);
    g->uplink->stop();
    return {backlog / (std::max(1.0, ms) / 1000.0), peak, left, cpu, rss0};
}

// Child: raw Paho, `window` QoS 1 publishes in flight, refilled in bulk.
// Returns {acked/s, CPU seconds from connect to the last PUBACK}.
std::vector<double> raw_paho(const std::string& uri, int window, int count) {
    std::vector<std::string> payloads;
    payloads.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) payloads.push_back(gw::bench::event_payload(i));
    // The gateway's client options; Paho refuses more queued publishes than
    // max_buffered_messages (100 by default), so a larger window raises it.
    mqtt::create_options co(MQTTVERSION_DEFAULT);
    co.set_max_buffered_messages(std::max(100, window + 1));
    co.set_send_while_disconnected(false);
    mqtt::async_client cli(uri, "bench-raw-paho", co,
                           static_cast<mqtt::iclient_persistence*>(nullptr));
    mqtt::connect_options opts;
    opts.set_clean_session(true);
    cli.connect(opts)->wait();
    const double cpu0 = gw::bench::cpu_seconds();

    std::mutex m;
    std::condition_variable cv;
    int inflight = 0, acked = 0, failed = 0;
    struct Listener : mqtt::iaction_listener {
        std::function<void(bool)> done;
        void on_success(const mqtt::token&) override { done(true); }
        void on_failure(const mqtt::token&) override { done(false); }
    } listener;
    listener.done = [&](bool ok) {
        {
            std::lock_guard<std::mutex> l(m);
            --inflight;
            (ok ? acked : failed) += 1;
        }
        cv.notify_one();
    };
    const auto t0 = std::chrono::steady_clock::now();
    int sent = 0;
    std::unique_lock<std::mutex> l(m);
    while (sent < count) {
        cv.wait(l, [&] { return inflight < window; });
        const int n = std::min(window - inflight, count - sent);
        inflight += n;
        l.unlock();
        for (int k = 0; k < n; ++k, ++sent)
            cli.publish(
                mqtt::make_message("bench/raw", payloads[static_cast<size_t>(sent)], 1, false),
                nullptr, listener);
        l.lock();
    }
    cv.wait(l, [&] { return inflight == 0; });
    const double s = gw::bench::seconds_since(t0);
    const double cpu = gw::bench::cpu_seconds() - cpu0;
    l.unlock();
    cli.disconnect()->wait();
    if (failed) return {};
    return {acked / s, cpu};
}

Options parse(int argc, char** argv) {
    Options o;
    CLI::App app{"gw-bench-uplink: draining a backlog to a real mosquitto"};
    app.add_option("--pairs", o.pairs, "baseline/subject pairs (the median is reported)")
        ->check(CLI::Range(1, 1000));
    app.add_option("--backlog", o.backlog, "events in the backlog")
        ->check(CLI::Range(100, 100000000));
    app.add_option("--window", o.window, "the gateway's inflight_window")
        ->check(CLI::Range(1, 100));
    app.add_option("--windows", o.raw_windows, "raw client windows to sweep, e.g. 20,100")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    app.add_option("--once", o.once, "one run in this process (for callgrind, perf)")
        ->check(CLI::IsMember({"drain", "raw"}));
    gw::bench::parse_or_exit(app, argc, argv);
    return o;
}

int run(const Options& opt) {
    gw::bench::line("uplink.loadavg_start", gw::bench::loadavg_1m(), "load");
    gw::test::TempDir dir;
    gw::test::Mosquitto broker(dir.path(), "broker");
    broker.start();
    const std::string uri = broker.uri();
    if (!opt.once.empty()) {
        // One run, no child: `valgrind --tool=callgrind gw-bench-uplink --once drain`.
        const std::string db = dir.file("once.db");
        if (opt.once == "drain" &&
            !gw::bench::in_child([&] { return fill_backlog(db, opt.backlog); }).empty()) {
            const auto r = drain(db, uri, opt.window, opt.backlog);
            if (r.size() == 4) gw::bench::line("uplink.once_drain_acked_per_s", r[0], "msgs/s");
            return r.size() == 4 ? 0 : 1;
        }
        const auto r = raw_paho(uri, opt.window, opt.backlog);
        if (r.size() == 2) gw::bench::line("uplink.once_raw_acked_per_s", r[0], "msgs/s");
        return r.size() == 2 ? 0 : 1;
    }
    std::vector<double> raw_cpu_us, drain_cpu_us;  // CPU per message, per run
    auto raw_run = [&](int window) {
        auto r = gw::bench::in_child([&] { return raw_paho(uri, window, opt.backlog); });
        if (r.size() != 2)
            throw std::runtime_error("raw Paho failed at window " + std::to_string(window));
        raw_cpu_us.push_back(r[1] / opt.backlog * 1e6);
        return r[0];
    };

    // The strongest baseline: every window twice, in alternating order.
    int best_window = opt.raw_windows.front();
    double best_rate = 0;
    std::vector<std::vector<double>> per_window(opt.raw_windows.size());
    for (int round = 0; round < 2; ++round)
        for (size_t k = 0; k < opt.raw_windows.size(); ++k) {
            const size_t i = round % 2 == 0 ? k : opt.raw_windows.size() - 1 - k;
            per_window[i].push_back(raw_run(opt.raw_windows[i]));
        }
    for (size_t i = 0; i < opt.raw_windows.size(); ++i) {
        const double med = gw::bench::spread(per_window[i]).median;
        gw::bench::line("uplink.raw_paho_w" + std::to_string(opt.raw_windows[i]) + "_acked_per_s",
                        med, "msgs/s");
        if (med > best_rate) {
            best_rate = med;
            best_window = opt.raw_windows[i];
        }
    }

    double peak = 0, growth = 0, left = 0;
    int run = 0;
    auto drain_run = [&] {
        const std::string db = dir.file("store-" + std::to_string(run++) + ".db");
        if (gw::bench::in_child([&] { return fill_backlog(db, opt.backlog); }).empty())
            throw std::runtime_error("filling the backlog failed");
        auto r = gw::bench::in_child([&] { return drain(db, uri, opt.window, opt.backlog); });
        for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
        if (r.size() != 5) throw std::runtime_error("the drain failed");
        peak = std::max(peak, r[1]);
        growth = std::max(growth, r[1] - r[4]);
        left += r[2];
        drain_cpu_us.push_back(r[3] / opt.backlog * 1e6);
        return r[0];
    };
    raw_cpu_us.clear();  // from here on: the chosen window's runs only
    const auto pairs = gw::bench::alternate(
        opt.pairs, [&] { return raw_run(best_window); }, drain_run, "uplink");

    gw::bench::report_pairs("uplink", "drain_acked_per_s", "raw_paho_acked_per_s", "msgs/s", pairs);
    gw::bench::line("uplink.raw_paho_window", best_window, "msgs");
    gw::bench::line("uplink.drain_window", opt.window, "msgs");
    gw::bench::line("uplink.backlog", opt.backlog, "events");
    // CPU per message (the child's user + system time, all its threads):
    // what each side spends, whatever share of a busy machine it got. On a
    // shared machine the wall-clock ratio measures that share as much as
    // the code; cpu_ratio (baseline CPU / drain CPU per message, per pair)
    // does not.
    std::vector<double> cpu_ratio;
    for (size_t i = 0; i < drain_cpu_us.size() && i < raw_cpu_us.size(); ++i)
        cpu_ratio.push_back(raw_cpu_us[i] / drain_cpu_us[i]);
    const auto cr = gw::bench::spread(cpu_ratio);
    gw::bench::line("uplink.drain_cpu_us_per_msg", gw::bench::spread(drain_cpu_us).median, "us");
    gw::bench::line("uplink.raw_paho_cpu_us_per_msg", gw::bench::spread(raw_cpu_us).median, "us");
    gw::bench::line3("uplink.cpu_ratio", cr.median, "ratio");
    gw::bench::line3("uplink.cpu_ratio_min", cr.min, "ratio");
    gw::bench::line3("uplink.cpu_ratio_max", cr.max, "ratio");
    gw::bench::line("uplink.peak_rss_mb", peak, "MiB");
    gw::bench::line("uplink.drain_rss_growth_mb", growth, "MiB");
    gw::bench::line("uplink.rows_left_after_drain", left, "rows");
    gw::bench::line("uplink.loadavg_end", gw::bench::loadavg_1m(), "load");
    return left == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gw-bench-uplink: %s\n", e.what());
        return 1;
    }
}
