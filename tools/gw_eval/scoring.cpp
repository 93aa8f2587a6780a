#include "scoring.hpp"

#include <map>
#include <sstream>

namespace gw::eval {

namespace {
std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(item);
    return out;
}
}  // namespace

Result<std::vector<Expected>> read_expected(std::istream& in, int64_t default_latency_ms,
                                            int64_t early_ms) {
    std::vector<Expected> out;
    std::string line;
    long n = 0;
    bool header = false;
    while (std::getline(in, line)) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        auto cols = split(line);
        if (!header) {
            if (cols.size() < 4 || cols[0] != "t_ms" || cols[1] != "detector")
                return fail(std::to_string(n) +
                            ": header must be t_ms,detector,type,severity[,max_latency_s]");
            header = true;
            continue;
        }
        if (cols.size() < 4 || cols.size() > 5)
            return fail(std::to_string(n) + ": expected 4 or 5 fields");
        Expected e;
        auto sev = severity_from_string(cols[3]);
        try {
            e.t_ms = std::stoll(cols[0]);
            e.max_latency_ms = cols.size() == 5 ? std::stoll(cols[4]) * 1000 : default_latency_ms;
        } catch (const std::exception&) {
            return fail(std::to_string(n) + ": t_ms and max_latency_s must be integers");
        }
        if (!sev) return fail(std::to_string(n) + ": unknown severity " + cols[3]);
        e.early_ms = early_ms;
        e.detector = cols[1];
        e.type = cols[2];
        e.severity = *sev;
        out.push_back(e);
    }
    return out;
}

Score score(const std::string& scenario, const std::vector<Expected>& expected,
            const std::vector<Event>& events) {
    Score s;
    s.scenario = scenario;
    s.expected = static_cast<int>(expected.size());
    std::map<std::string, Severity> worst;  // incident -> highest severity reported
    for (const auto& e : events)
        if (!worst.count(e.incident) || e.severity > worst[e.incident])
            worst[e.incident] = e.severity;
    std::vector<bool> used(events.size(), false);
    for (const auto& x : expected) {
        bool found = false;
        for (size_t i = 0; i < events.size() && !found; ++i) {
            const Event& e = events[i];
            if (used[i] || e.state != EventState::raise || e.detector != x.detector ||
                e.type != x.type || e.t_ms < x.t_ms - x.early_ms ||
                e.t_ms > x.t_ms + x.max_latency_ms)
                continue;
            used[i] = found = true;
            s.latencies_s.push_back(static_cast<double>(e.t_ms - x.t_ms) / 1000.0);
            if (worst[e.incident] >= x.severity)
                ++s.severity_ok;
            else
                s.notes.push_back("low severity: " + x.detector + " " + x.type);
        }
        if (found) {
            ++s.detected;
        } else {
            ++s.missed;
            s.notes.push_back("missed: " + x.detector + " " + x.type + " at " +
                              std::to_string(x.t_ms));
        }
    }
    for (size_t i = 0; i < events.size(); ++i) {
        if (used[i] || events[i].state != EventState::raise) continue;
        ++s.false_alarms;
        s.notes.push_back("false: " + events[i].detector + " " + events[i].type + " at " +
                          std::to_string(events[i].t_ms));
    }
    return s;
}

}  // namespace gw::eval
