// gw-bench-uplink: drains a 100,000-event backlog from the store to a local
// mosquitto (started here) and compares with raw Paho QoS 1 publishes with
// the same in-flight window to the same broker in the same run.
//   uplink.drain_acked_per_s   PUBACKed events/s, uplink start -> last PUBACK
//   uplink.raw_paho_acked_per_s
//   uplink.drain_ratio
//   uplink.peak_rss_mb         VmHWM of this process after the drain (the
//                              backlog is written by a child process first)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include <mqtt/async_client.h>

#include "bench_util.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "store/store.hpp"
#include "support/mosquitto.hpp"
#include "support/temp_dir.hpp"
#include "uplink/uplink.hpp"

namespace {

constexpr int kBacklog = 100000;
constexpr int kWindow = 100;

gw::StoreOptions store_options(const std::string& path) {
    gw::StoreOptions o;
    o.path = path;
    return o;
}

// In a child process, so the parent's RSS reflects only the drain.
int fill_backlog(const std::string& path) {
    pid_t pid = fork();
    if (pid == 0) {
        gw::SystemClock clock;
        gw::Log log(gw::LogLevel::warn);
        auto store = gw::Store::open(store_options(path), clock, log);
        if (!store) _exit(1);
        std::deque<std::future<gw::Status>> open;
        for (int i = 0; i < kBacklog; ++i) {
            if (open.size() >= 1024) {
                if (!open.front().get().ok()) _exit(1);
                open.pop_front();
            }
            open.push_back((*store)->append_async(gw::Lane::alarm, i, gw::contract::kEventRoute,
                                                  gw::bench::event_payload(i)));
        }
        for (auto& f : open)
            if (!f.get().ok()) _exit(1);
        store->reset();
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

double raw_paho(const std::string& uri, const std::string& payload) {
    mqtt::async_client cli(uri, "bench-raw-paho", static_cast<mqtt::iclient_persistence*>(nullptr));
    mqtt::connect_options opts;
    opts.set_clean_session(true);
    cli.connect(opts)->wait();
    std::mutex m;
    std::condition_variable cv;
    int inflight = 0, acked = 0;
    struct Listener : mqtt::iaction_listener {
        std::mutex* m;
        std::condition_variable* cv;
        int *inflight, *acked;
        void on_success(const mqtt::token&) override {
            std::lock_guard<std::mutex> l(*m);
            --*inflight;
            ++*acked;
            cv->notify_one();
        }
        void on_failure(const mqtt::token&) override {
            std::lock_guard<std::mutex> l(*m);
            --*inflight;
            cv->notify_one();
        }
    } listener;
    listener.m = &m;
    listener.cv = &cv;
    listener.inflight = &inflight;
    listener.acked = &acked;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kBacklog; ++i) {
        {
            std::unique_lock<std::mutex> l(m);
            cv.wait(l, [&] { return inflight < kWindow; });
            ++inflight;
        }
        cli.publish(mqtt::make_message("bench/raw", payload, 1, false), nullptr, listener);
    }
    {
        std::unique_lock<std::mutex> l(m);
        cv.wait(l, [&] { return inflight == 0; });
    }
    double s = gw::bench::seconds_since(t0);
    cli.disconnect()->wait();
    return acked / s;
}

}  // namespace

int main() {
    gw::test::TempDir dir;
    gw::test::Mosquitto broker(dir.path(), "broker");
    broker.start();
    const std::string db = dir.file("store.db");
    if (fill_backlog(db) != 0) {
        std::fprintf(stderr, "filling the backlog failed\n");
        return 1;
    }

    gw::SystemClock clock;
    gw::Log log(gw::LogLevel::warn);
    auto store = gw::Store::open(store_options(db), clock, log);
    if (!store) return 1;
    gw::UplinkConfig uc;
    uc.brokers = {broker.uri()};
    uc.client_id = "bench-gateway";
    uc.inflight_window = kWindow;
    const auto topics = gw::contract::make_topics("city", "site-001", "gw-01");
    gw::Uplink uplink(uc, topics, {"site-001", "gw-01"}, {"bench", (*store)->boot(), "h", true, 0},
                      **store, clock, log);
    auto t0 = std::chrono::steady_clock::now();
    if (!uplink.start().ok()) return 1;
    while (uplink.state().acked < kBacklog)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const double drain_s = gw::bench::seconds_since(t0);
    const double peak = gw::bench::rss_mb("VmHWM");
    (*store)->flush();
    const int64_t left = (*store)->stats().alarm.rows;
    uplink.stop();

    const double drain = kBacklog / drain_s;
    const double raw = raw_paho(broker.uri(), gw::bench::event_payload(0));
    gw::bench::line("uplink.drain_acked_per_s", drain, "events/s");
    gw::bench::line("uplink.raw_paho_acked_per_s", raw, "msgs/s");
    gw::bench::line("uplink.drain_ratio", drain / raw, "ratio");
    gw::bench::line("uplink.peak_rss_mb", peak, "MiB");
    gw::bench::line("uplink.rows_left_after_drain", static_cast<double>(left), "rows");
    return left == 0 ? 0 : 1;
}
