#pragma once
// Small helpers shared by the benchmarks: wall time, /proc readings, and the
// alternating baseline/subject pairs every ratio is computed from.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "contract/contract.hpp"

namespace gw::bench {

// The event both store and uplink benchmarks queue: a realistic alarm
// payload (~376 B) made by the one contract encoder, unique per i.
inline std::string event_payload(int i) {
    Event e;
    e.id = "gw-01-7-" + std::to_string(10000000 + i);
    e.detector = "flood-1";
    e.kind = "flood";
    e.type = "water_depth";
    e.severity = Severity::alarm;
    e.t_ms = 1700000000000 + i;
    e.value = 31.5;
    e.unit = "cm";
    e.message = "water depth 31.5 cm above the alarm level of 30 cm at the underpass";
    e.details = {{"level", "alarm"}, {"rate_cm_min", 1.2}};
    return contract::encode_event(e, {"site-001", "gw-01"}, true);
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Bytes a process caused to be written to storage (/proc/PID/io).
inline int64_t write_bytes(const std::string& pid = "self") {
    std::ifstream in("/proc/" + pid + "/io");
    std::string key;
    int64_t value = 0;
    while (in >> key >> value)
        if (key == "write_bytes:") return value;
    return -1;
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A number field of a /proc status file ("Threads", "VmRSS" in kB,
// "voluntary_ctxt_switches"), -1 when absent.
inline double status_number(const std::string& field, const std::string& status_path) {
    std::ifstream in(status_path);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1));
    return -1;
}

// VmHWM (peak) or VmRSS (now) from /proc/PID/status, in MiB.
inline double rss_mb(const std::string& field, const std::string& pid = "self") {
    const double kb = status_number(field, "/proc/" + pid + "/status");
    return kb < 0 ? -1 : kb / 1024.0;
}

// utime + stime (seconds) from a /proc stat file (a process's or a task's),
// and the comm in (); -1 when unreadable. Fields 14 and 15 of proc_pid_stat(5).
inline double stat_cpu(const std::string& stat_path, std::string* comm = nullptr) {
    const std::string s = slurp(stat_path);
    const auto open = s.find('('), close = s.rfind(')');
    if (open == std::string::npos || close == std::string::npos) return -1;
    if (comm) *comm = s.substr(open + 1, close - open - 1);
    std::istringstream rest(s.substr(close + 2));
    std::vector<std::string> f{std::istream_iterator<std::string>(rest), {}};
    if (f.size() < 13) return -1;  // f[0] is field 3
    return double(std::stoll(f[11]) + std::stoll(f[12])) / double(::sysconf(_SC_CLK_TCK));
}

// CPU time (user + system) this process used so far, all threads, seconds:
// less sensitive to other people's load than wall time.
inline double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The 1-minute load average: printed beside every figure, since the machine
// the figures come from may be shared.
inline double loadavg_1m() {
    std::ifstream in("/proc/loadavg");
    double l = -1;
    in >> l;
    return l;
}

inline void line(const std::string& name, double value, const char* unit) {
    std::printf("%s %.2f %s\n", name.c_str(), value, unit);
    std::fflush(stdout);
}

inline void line3(const std::string& name, double value, const char* unit) {
    std::printf("%s %.3f %s\n", name.c_str(), value, unit);
    std::fflush(stdout);
}

struct Spread {
    double median = 0, min = 0, max = 0;
};

inline Spread spread(std::vector<double> v) {
    Spread s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    s.min = v.front();
    s.max = v.back();
    return s;
}

// Percentile (0..100) by nearest rank of an unsorted sample.
inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
    rank = std::clamp<size_t>(rank, 1, v.size());
    return v[rank - 1];
}

// Baseline and subject measured in pairs, alternating which goes first
// (AB BA AB ...), so a burst of someone else's load hits both alike. Each
// function returns a rate (higher is better) for one run.
struct Pairs {
    std::vector<double> baseline, subject, ratio;  // ratio = subject / baseline, per pair
};

inline Pairs alternate(int pairs, const std::function<double()>& baseline,
                       const std::function<double()>& subject, const char* what) {
    Pairs p;
    for (int i = 0; i < pairs; ++i) {
        double b, s;
        if (i % 2 == 0) {
            b = baseline();
            s = subject();
        } else {
            s = subject();
            b = baseline();
        }
        p.baseline.push_back(b);
        p.subject.push_back(s);
        p.ratio.push_back(b > 0 ? s / b : 0);
        std::fprintf(stderr, "%s pair %d: baseline %.1f subject %.1f ratio %.3f (load %.2f)\n",
                     what, i + 1, b, s, p.ratio.back(), loadavg_1m());
    }
    return p;
}

// The standard lines for one pair series:
//   PREFIX.SUBJECT   median    UNIT
//   PREFIX.BASELINE  median    UNIT
//   PREFIX.ratio     median of the per-pair ratios, with _min and _max
inline void report_pairs(const std::string& prefix, const std::string& subject_key,
                         const std::string& baseline_key, const char* unit, const Pairs& p) {
    const Spread s = spread(p.subject), b = spread(p.baseline), r = spread(p.ratio);
    line(prefix + "." + subject_key, s.median, unit);
    line(prefix + "." + subject_key + "_min", s.min, unit);
    line(prefix + "." + subject_key + "_max", s.max, unit);
    line(prefix + "." + baseline_key, b.median, unit);
    line(prefix + "." + baseline_key + "_min", b.min, unit);
    line(prefix + "." + baseline_key + "_max", b.max, unit);
    line3(prefix + ".ratio", r.median, "ratio");
    line3(prefix + ".ratio_min", r.min, "ratio");
    line3(prefix + ".ratio_max", r.max, "ratio");
    line(prefix + ".pairs", static_cast<double>(p.ratio.size()), "pairs");
}

// Runs fn in a forked child and returns the numbers it produced (empty if it
// failed). Each run then starts from a fresh process: no warm caches, threads
// or heap left over from the previous run, and the child's VmHWM is its own.
// The caller must not have started threads (fork copies only the caller).
inline std::vector<double> in_child(const std::function<std::vector<double>()>& fn) {
    int fds[2];
    if (::pipe(fds) != 0) return {};
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::vector<double> out = fn();
        const auto len = static_cast<ssize_t>(out.size() * sizeof(double));
        const bool ok = ::write(fds[1], out.data(), static_cast<size_t>(len)) == len;
        std::fflush(nullptr);
        ::_exit(ok && !out.empty() ? 0 : 1);
    }
    ::close(fds[1]);
    std::vector<double> out;
    double buf[64];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        out.insert(out.end(), buf, buf + n / static_cast<ssize_t>(sizeof(double)));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
    return out;
}

// "20,50,100" -> {20, 50, 100}: the list arguments of the benches.
inline std::vector<int> parse_list(const std::string& text) {
    std::vector<int> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');) out.push_back(std::atoi(item.c_str()));
    return out;
}

}  // namespace gw::bench
