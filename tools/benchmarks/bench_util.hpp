#pragma once
// Small helpers shared by the benchmarks: wall time, /proc/self readings.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

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

// Bytes this process caused to be written to storage (/proc/self/io).
inline int64_t write_bytes() {
    std::ifstream in("/proc/self/io");
    std::string key;
    int64_t value = 0;
    while (in >> key >> value)
        if (key == "write_bytes:") return value;
    return -1;
}

// VmHWM (peak) or VmRSS (now) from /proc/self/status, in MiB.
inline double rss_mb(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0)
            return std::stod(line.substr(field.size() + 1)) / 1024.0;
    return -1;
}

inline void line(const char* name, double value, const char* unit) {
    std::printf("%s %.2f %s\n", name, value, unit);
    std::fflush(stdout);
}

}  // namespace gw::bench
