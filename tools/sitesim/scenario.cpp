#include "scenario.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace gw::sitesim {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

bool parse_int(const std::string& s, long lo, long hi, long& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
    out = v;
    return true;
}

}  // namespace

std::string to_string(FaultKind k) {
    switch (k) {
        case FaultKind::none:
            return "none";
        case FaultKind::no_answer:
            return "no_answer";
        case FaultKind::late:
            return "late";
        case FaultKind::exception:
            return "exception";
        case FaultKind::wrong_slave:
            return "wrong_slave";
        case FaultKind::bad_crc:
            return "bad_crc";
        case FaultKind::trickle:
            return "trickle";
        case FaultKind::drop:
            return "drop";
        case FaultKind::babble:
            return "babble";
        case FaultKind::silent_at:
            return "silent_at";
    }
    return "?";
}

Result<Fault> parse_fault(const std::string& kind, const std::string& arg) {
    Fault f;
    long v = 0;
    if (kind == "none")
        f.kind = FaultKind::none;
    else if (kind == "no_answer")
        f.kind = FaultKind::no_answer;
    else if (kind == "wrong_slave")
        f.kind = FaultKind::wrong_slave;
    else if (kind == "bad_crc")
        f.kind = FaultKind::bad_crc;
    else if (kind == "late") {
        if (!parse_int(arg, 1, 60000, v)) return fail("late needs a delay in ms (1..60000)");
        f.kind = FaultKind::late;
        f.arg = static_cast<int>(v);
    } else if (kind == "trickle") {
        if (!parse_int(arg, 1, 10000, v))
            return fail("trickle needs the ms between bytes (1..10000)");
        f.kind = FaultKind::trickle;
        f.arg = static_cast<int>(v);
    } else if (kind == "drop") {
        if (!parse_int(arg, 2, 1000000, v)) return fail("drop needs N (2..1000000)");
        f.kind = FaultKind::drop;
        f.arg = static_cast<int>(v);
    } else if (kind == "babble") {
        if (!parse_int(arg, 1, 10000, v)) return fail("babble needs the ms of noise (1..10000)");
        f.kind = FaultKind::babble;
        f.arg = static_cast<int>(v);
    } else if (kind == "silent_at") {
        if (!parse_int(arg, 0, 65535, v)) return fail("silent_at needs an address (0..65535)");
        f.kind = FaultKind::silent_at;
        f.arg = static_cast<int>(v);
    } else if (kind == "exception") {
        if (!parse_int(arg, 1, 11, v)) return fail("exception needs a code (1..11)");
        f.kind = FaultKind::exception;
        f.arg = static_cast<int>(v);
    } else {
        return fail("unknown fault \"" + kind +
                    "\" (none, no_answer, late, exception, wrong_slave, bad_crc, trickle, drop, "
                    "babble, silent_at)");
    }
    return f;
}

Result<std::pair<int, Fault>> parse_fault_option(const std::string& text) {
    const auto a = text.find(':');
    if (a == std::string::npos) return fail("fault \"" + text + "\" is not SLAVE:KIND[:ARG]");
    const auto b = text.find(':', a + 1);
    long slave = 0;
    if (!parse_int(text.substr(0, a), 0, 247, slave))
        return fail("fault \"" + text + "\": slave must be 0..247");
    auto f = parse_fault(text.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1),
                         b == std::string::npos ? "" : text.substr(b + 1));
    if (!f) return fail("fault \"" + text + "\": " + f.error());
    return std::make_pair(static_cast<int>(slave), f.value());
}

Result<Scenario> parse_scenario(const std::string& text, const std::string& name) {
    Scenario sc;
    std::set<int> slaves;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        line = trim(line);
        if (line.empty() || line.rfind("t_s,", 0) == 0) continue;  // blank, comment, header
        std::vector<std::string> cols;
        std::istringstream ls(line);
        std::string col;
        while (std::getline(ls, col, ',')) cols.push_back(trim(col));
        const std::string where = name + ":" + std::to_string(n) + ": ";
        if (cols.size() != 5)
            return fail(where + "expected 5 columns t_s,slave,table,address,value");
        Step st;
        char* end = nullptr;
        st.t_s = std::strtod(cols[0].c_str(), &end);
        if (cols[0].empty() || *end != '\0' || !(st.t_s >= 0) || st.t_s > 1e7)
            return fail(where + "t_s must be a number of seconds >= 0");
        long v = 0;
        if (!parse_int(cols[1], 1, 247, v)) return fail(where + "slave must be 1..247");
        st.slave = static_cast<int>(v);
        if (cols[2] == "fault") {
            auto f = parse_fault(cols[3], cols[4]);
            if (!f) return fail(where + f.error());
            st.is_fault = true;
            st.fault = f.value();
        } else {
            auto table = value_of(kTableNames, cols[2]);
            if (!table) {
                std::string tables;
                for (const auto& t : kTableNames) tables += std::string(t.name) + ", ";
                return fail(where + "table must be " + tables.substr(0, tables.size() - 2) +
                            " or fault");
            }
            st.table = *table;
            if (!parse_int(cols[3], 0, 9999, v)) return fail(where + "address must be 0..9999");
            st.address = static_cast<int>(v);
            const bool bit = st.table == Table::coil || st.table == Table::discrete_input;
            if (!parse_int(cols[4], bit ? 0 : -32768, bit ? 1 : 65535, v))
                return fail(where + (bit ? "a bit value must be 0 or 1"
                                         : "a register value must be -32768..65535"));
            st.value = static_cast<uint16_t>(v);  // negatives: two's complement int16
        }
        slaves.insert(st.slave);
        sc.steps.push_back(st);
    }
    std::stable_sort(sc.steps.begin(), sc.steps.end(),
                     [](const Step& a, const Step& b) { return a.t_s < b.t_s; });
    if (!sc.steps.empty()) sc.duration_s = sc.steps.back().t_s;
    sc.slaves.assign(slaves.begin(), slaves.end());
    return sc;
}

Result<Scenario> load_scenario(const std::string& path) {
    std::ifstream in(path);
    if (!in) return fail(path + ": cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_scenario(ss.str(), path);
}

}  // namespace gw::sitesim
