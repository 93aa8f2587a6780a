#pragma once
// The site simulator's script: CSV lines `t_s,slave,table,address,value`.
// A value line sets one register or bit at t_s seconds after start (values
// hold until changed); a fault line `t_s,slave,fault,KIND,ARG` changes how
// that slave answers from then on. '#' starts a comment. See docs/drivers.md.
#include <cstdint>
#include <string>
#include <vector>

#include "config/point_config.hpp"
#include "core/result.hpp"

namespace gw::sitesim {

enum class FaultKind {
    none,
    no_answer,
    late,
    exception,
    wrong_slave,
    bad_crc,
    trickle,
    drop,
    babble,
    silent_at
};

struct Fault {
    FaultKind kind = FaultKind::none;
    // late: delay ms; exception: code; trickle: ms between bytes; drop: N
    // (every Nth request of the slave goes unanswered, a lossy link);
    // babble: ms of noise after a bad-CRC answer, every other request (a
    // garbled frame whose rest is still coming); silent_at: the start
    // address of the reads it ignores (a firmware silent on registers it lacks)
    int arg = 0;
};

// "none", "no_answer", "late" (arg ms), "exception" (arg code 1..11),
// "wrong_slave", "bad_crc", "trickle" (arg ms), "drop" (arg N), "babble" (arg ms),
// "silent_at" (arg address).
Result<Fault> parse_fault(const std::string& kind, const std::string& arg);
// "SLAVE:KIND[:ARG]" as given on the command line.
Result<std::pair<int, Fault>> parse_fault_option(const std::string& text);
std::string to_string(FaultKind k);

struct Step {
    double t_s = 0.0;
    int slave = 1;
    bool is_fault = false;
    Table table = Table::holding_register;
    int address = 0;
    uint16_t value = 0;
    Fault fault;
};

struct Scenario {
    std::vector<Step> steps;  // sorted by t_s (stable: file order within a time)
    double duration_s = 0.0;  // t_s of the last step
    std::vector<int> slaves;  // every slave id mentioned, ascending
};

// Errors name the line: "NAME:LINE: what".
Result<Scenario> parse_scenario(const std::string& text, const std::string& name);
Result<Scenario> load_scenario(const std::string& path);

}  // namespace gw::sitesim
