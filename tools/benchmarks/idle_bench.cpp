// gw-bench-idle [--seconds S] [--warmup S] [--variant nocam|camera|both] [--stacks]
// What the daemon costs at steady state on the example site: the release
// gatewayd on gateway.example.toml (without, then with, its camera and
// vision detectors), sitesim playing the normal day (looped, in this
// process), a local mosquitto and a center subscribed to everything. After
// the warm-up, /proc/PID is read at the start and end of the window:
//   idle.V.cpu_pct              utime+stime over the window, % of one core
//   idle.V.rss_mb / rss_max_mb  VmRSS at the end / largest seen (sampled 1/s)
//   idle.V.disk_write_kb_per_min /proc/PID/io write_bytes (store, WAL,
//                               checkpoints; its log goes to a file here, so
//                               log lines count too: see log_kb_per_min)
//   idle.V.wakeups_per_s        voluntary + involuntary context switches of
//                               all its threads per second (a thread that
//                               sleeps and wakes switches once per wake)
// stderr lists every thread with its wakeups/s and CPU; --stacks adds each
// thread's stack (gdb -p) so a busy waiter can be named.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench_cli.hpp"
#include "bench_util.hpp"
#include "sim_server.hpp"
#include "site_rig.hpp"
#include "support/mosquitto.hpp"
#include "support/temp_dir.hpp"

namespace {

struct Options {
    int seconds = 60;
    int warmup = 10;
    std::vector<std::string> variants{"nocam", "camera"};
    bool stacks = false;
};

struct Task {
    std::string comm;
    double cpu_s = 0;
    int64_t switches = 0;
};

struct Reading {
    double cpu_s = 0;
    int64_t write_bytes = 0;
    std::map<int, Task> tasks;
};

Reading read_proc(pid_t pid) {
    const std::string base = "/proc/" + std::to_string(pid);
    Reading r;
    r.cpu_s = std::max(0.0, gw::bench::stat_cpu(base + "/stat"));
    r.write_bytes = gw::bench::write_bytes(std::to_string(pid));
    if (DIR* d = ::opendir((base + "/task").c_str())) {
        while (dirent* e = ::readdir(d)) {
            if (e->d_name[0] == '.') continue;
            const std::string t = base + "/task/" + e->d_name;
            Task task;
            task.cpu_s = std::max(0.0, gw::bench::stat_cpu(t + "/stat", &task.comm));
            task.switches = int64_t(
                std::max(0.0, gw::bench::status_number("voluntary_ctxt_switches", t + "/status")) +
                std::max(0.0,
                         gw::bench::status_number("nonvoluntary_ctxt_switches", t + "/status")));
            r.tasks[std::atoi(e->d_name)] = task;
        }
        ::closedir(d);
    }
    return r;
}

// Where each thread waits, by LWP id, from one gdb attach after the window:
// the innermost frame in this project's code (else in a library).
std::map<int, std::string> thread_sites(pid_t pid) {
    std::map<int, std::string> out;
    const std::string cmd = "gdb -p " + std::to_string(pid) +
                            " -batch -ex 'set pagination off' -ex 'thread apply all bt 16' "
                            "2>/dev/null";
    std::FILE* in = ::popen(cmd.c_str(), "r");
    if (!in) return out;
    char buf[4096];
    int tid = 0;
    std::string lib;
    while (std::fgets(buf, sizeof buf, in)) {
        const std::string l = buf;
        if (l.rfind("Thread ", 0) == 0) {
            const auto lwp = l.find("(LWP ");
            tid = lwp == std::string::npos ? 0 : std::atoi(l.c_str() + lwp + 5);
            lib.clear();
            continue;
        }
        if (tid == 0 || l.rfind("#", 0) != 0 || out.count(tid)) continue;
        const auto at = l.find(" at ../../");
        const auto from = l.find(" from /");
        if (at != std::string::npos) {
            // "#N  0x... in gw::Foo::bar (args) at ../../path.cpp:123", or
            // "#N  gw::Foo::bar (args) at ..." for an inlined frame.
            size_t name = l.find_first_not_of(' ', l.find_first_not_of("0123456789", 1));
            if (l.compare(name, 2, "0x") == 0) name = l.find(" in ", name) + 4;
            const std::string fn = l.substr(name, l.find(" (", name) - name);
            std::string file = l.substr(at + 10);
            while (!file.empty() && (file.back() == '\n' || file.back() == ' ')) file.pop_back();
            out[tid] = fn + " " + file;
        } else if (from != std::string::npos && lib.empty()) {
            lib = l.substr(l.rfind('/') + 1);
            while (!lib.empty() && lib.back() == '\n') lib.pop_back();
            const auto in_pos = l.find(" in ");
            if (in_pos != std::string::npos)
                lib = l.substr(in_pos + 4, l.find(" (", in_pos + 4) - in_pos - 4) + " " + lib;
        }
        if (!out.count(tid) && l.find("start_thread") != std::string::npos && !lib.empty())
            out[tid] = lib;
    }
    ::pclose(in);
    return out;
}

void measure(const Options& o, const std::string& variant) {
    using gw::bench::line;
    gw::test::TempDir dir;
    gw::test::Mosquitto broker(dir.path(), "broker");
    broker.start();
    gw::sitesim::SimOptions so;
    so.loop = true;
    gw::sitesim::Simulator sim(gw::bench::normal_day(false), so);
    const int port = gw::test::free_port();
    if (auto s = sim.start_tcp("127.0.0.1", port); !s) throw std::runtime_error(s.error());
    gw::bench::SiteOptions site;
    site.dir = dir.path();
    site.broker = broker.uri();
    site.modbus_port = port;
    site.camera = variant == "camera";
    site.log_level = "info";  // the example's level
    const std::string config = dir.write("gateway.toml", gw::bench::example_config(site));
    gw::bench::Center center(broker.uri(), "city/#");
    gw::bench::Gatewayd daemon(config, dir.path(), "gatewayd");
    std::string why;
    if (!daemon.ready(30000, why)) throw std::runtime_error(why);
    std::this_thread::sleep_for(std::chrono::seconds(o.warmup));

    const std::string log = dir.file("gatewayd.err");
    const pid_t pid = daemon.pid();
    const std::string pid_s = std::to_string(pid);
    const double load0 = gw::bench::loadavg_1m();
    const uint64_t msgs0 = center.received();
    const int64_t log0 = static_cast<int64_t>(gw::bench::slurp(log).size());
    const Reading a = read_proc(pid);
    const auto t0 = std::chrono::steady_clock::now();
    double rss_max = 0;
    for (int s = 0; s < o.seconds; ++s) {
        std::this_thread::sleep_until(t0 + std::chrono::seconds(s + 1));
        rss_max = std::max(rss_max, gw::bench::rss_mb("VmRSS", pid_s));
    }
    const Reading b = read_proc(pid);
    const double secs = gw::bench::seconds_since(t0);
    const double rss = gw::bench::rss_mb("VmRSS", pid_s);
    const int64_t log1 = static_cast<int64_t>(gw::bench::slurp(log).size());
    const uint64_t msgs1 = center.received();

    int64_t switches = 0;
    std::vector<std::pair<double, int>> by_rate;
    for (const auto& [tid, t] : b.tasks) {
        auto it = a.tasks.find(tid);
        const int64_t before = it == a.tasks.end() ? 0 : it->second.switches;
        switches += t.switches - before;
        by_rate.push_back({double(t.switches - before) / secs, tid});
    }
    std::sort(by_rate.rbegin(), by_rate.rend());
    const auto sites = o.stacks ? thread_sites(pid) : std::map<int, std::string>{};
    std::fprintf(stderr, "--- %s: threads of gatewayd %d over %.0f s (wakeups/s, cpu %%)\n",
                 variant.c_str(), pid, secs);
    for (const auto& [rate, tid] : by_rate) {
        const Task& t = b.tasks.at(tid);
        auto it = a.tasks.find(tid);
        const double cpu = t.cpu_s - (it == a.tasks.end() ? 0 : it->second.cpu_s);
        auto site = sites.find(tid);
        std::fprintf(stderr, "  tid %6d %-16s %8.2f /s %6.2f %%  %s\n", tid, t.comm.c_str(), rate,
                     100.0 * cpu / secs, site == sites.end() ? "" : site->second.c_str());
    }

    const std::string p = "idle." + variant;
    line(p + ".seconds", secs, "s");
    line(p + ".cpu_pct", 100.0 * (b.cpu_s - a.cpu_s) / secs, "%");
    line(p + ".rss_mb", rss, "MiB");
    line(p + ".rss_max_mb", rss_max, "MiB");
    line(p + ".disk_write_kb_per_min", double(b.write_bytes - a.write_bytes) / 1024.0 * 60.0 / secs,
         "KiB/min");
    line(p + ".log_kb_per_min", double(log1 - log0) / 1024.0 * 60.0 / secs, "KiB/min");
    line(p + ".wakeups_per_s", double(switches) / secs, "1/s");
    line(p + ".threads", static_cast<double>(b.tasks.size()), "threads");
    line(p + ".center_msgs_per_min", double(msgs1 - msgs0) * 60.0 / secs, "msgs/min");
    line(p + ".loadavg_start", load0, "load");
    line(p + ".loadavg_end", gw::bench::loadavg_1m(), "load");
    if (daemon.stop() != 0) throw std::runtime_error("gatewayd did not exit cleanly");
}

Options parse(int argc, char** argv) {
    Options o;
    CLI::App app{"gw-bench-idle: an idle gateway's CPU, wake-ups and threads"};
    app.add_option("--seconds", o.seconds, "measured seconds")->check(CLI::Range(1, 86400));
    app.add_option("--warmup", o.warmup, "seconds before measuring")->check(CLI::Range(0, 3600));
    std::string variant = "both";
    app.add_option("--variant", variant, "with or without a camera")
        ->check(CLI::IsMember({"nocam", "camera", "both"}));
    app.add_flag("--stacks", o.stacks, "sample the threads' stacks");
    gw::bench::parse_or_exit(app, argc, argv);
    if (variant != "both") o.variants = {variant};
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        for (const auto& v : o.variants) measure(o, v);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gw-bench-idle: %s\n", e.what());
        return 1;
    }
}
