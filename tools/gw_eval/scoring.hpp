#pragma once
// Scoring of detector events against expected events of a scenario.
// Expected file: CSV `t_ms,detector,type,severity[,max_latency_s]`, where
// t_ms is when the condition truly began. A raise of the same detector and
// type within [t_ms - early, t_ms + max_latency_s] detects it (the incident must
// reach the severity); any other raise is a false alarm.
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace gw::eval {

struct Expected {
    int64_t t_ms = 0;
    std::string detector;
    std::string type;
    Severity severity = Severity::warning;
    int64_t max_latency_ms = 600'000;
    int64_t early_ms = 60'000;
};

struct Score {
    std::string scenario;
    int expected = 0;
    int detected = 0;
    int missed = 0;
    int false_alarms = 0;
    int severity_ok = 0;  // detected and reached the expected severity
    std::vector<double> latencies_s;
    std::vector<std::string> notes;  // what was missed or false, for --verbose
};

// `early_ms`: how far before t_ms a detection may come (noise crosses a
// threshold before the noise-free signal does); reported as negative latency.
Result<std::vector<Expected>> read_expected(std::istream& in, int64_t default_latency_ms,
                                            int64_t early_ms);
Score score(const std::string& scenario, const std::vector<Expected>& expected,
            const std::vector<Event>& events);

}  // namespace gw::eval
