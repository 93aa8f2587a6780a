#pragma once
// What the config names outside itself and the gateway needs in order to
// start: the TLS files, the credentials and command secret files, a control
// socket path that fits a Unix socket address. Checked by gatewayd
// --check-config, at start (a config error: exit 2, which the service does
// not restart on) and before a reload or SIGHUP applies a new file (refused,
// the running config kept). Not part of load_config: gatewayctl reads the
// same config on a technician's laptop, where those files need not exist.
#include <sys/types.h>

#include <string>
#include <vector>

#include "config.hpp"

namespace gw {

// Each "FILE: key: what is wrong"; empty when the gateway can start on it.
std::vector<std::string> start_problems(const Config& config);

// Why `next` cannot replace `running` by a reload (the center's reload
// command, SIGHUP), each "FILE: key: why"; empty when it can.
std::vector<std::string> reload_problems(const Config& running, const Config& next);

// Who this process is, as far as chown() to a group cares.
struct ProcessIds {
    uid_t euid;
    gid_t egid;
    std::vector<gid_t> groups;  // supplementary
    static ProcessIds own();
};

// Why a process `me` cannot hand the control socket to group `name` (gid),
// or "" when it can. Part of start_problems.
std::string socket_group_problem(const std::string& name, gid_t gid, const ProcessIds& me);

// The uplink's TLS files that cannot be read, each "key: path: what". Part
// of start_problems; the uplink asks again as it starts, for the tools and
// tests that start one without start_problems.
std::vector<std::string> tls_file_problems(const UplinkConfig& uplink);

}  // namespace gw
