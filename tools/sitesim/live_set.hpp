#pragma once
// Changing a value now, at a known instant: for end-to-end latency
// measurements (tools/bench latency) and for poking a running simulated site
// by hand (`sitesim --stdin-set`). A command is a scenario line without its
// time: `SLAVE,TABLE,ADDRESS,VALUE`, e.g. `2,holding_register,0,900`.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "core/result.hpp"
#include "scenario.hpp"
#include "sim_server.hpp"

namespace gw::sitesim {

// Parses one command (values only; faults have --fault and scenario files).
Result<Step> parse_set_command(const std::string& line);

// Sets the value and returns the instant, in microseconds of the host's
// wall clock (CLOCK_REALTIME, comparable across processes), taken just
// before the change: a poll that sees the new value started after it.
int64_t set_now(Simulator& sim, const Step& step);

// Reads commands from `fd` (one per line) until EOF or destruction, applies
// each at once and answers on `out`: `set UNIX_US SLAVE,TABLE,ADDRESS,VALUE`,
// or `error: ...` for a line it cannot use.
class SetCommandReader {
  public:
    SetCommandReader(Simulator& sim, int fd, std::FILE* out);
    ~SetCommandReader();
    SetCommandReader(const SetCommandReader&) = delete;
    SetCommandReader& operator=(const SetCommandReader&) = delete;

  private:
    void run();
    void apply(const std::string& line);

    Simulator& sim_;
    int fd_;
    std::FILE* out_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace gw::sitesim
