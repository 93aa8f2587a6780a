#pragma once
// The config the daemon tests of this folder start gatewayd with: gateway
// gw1 of site s1 (topics city/s1/gw1/...), one broker, quick reconnects, the
// data folder and control socket in the test's temp dir.
#include <string>

#include "support/temp_dir.hpp"

namespace gw::test {

// `uplink_keys` are added to [uplink], `tables` after everything.
inline std::string daemon_toml(const TempDir& dir, const std::string& broker,
                               const std::string& uplink_keys = "",
                               const std::string& tables = "") {
    return "[gateway]\ndistrict = \"d\"\nsite = \"s1\"\nid = \"gw1\"\ndata_dir = \"" + dir.path() +
           "/data\"\n[uplink]\nbrokers = [\"" + broker +
           "\"]\nreconnect_min_ms = 100\nreconnect_max_ms = 500\n" + uplink_keys +
           "[control]\nsocket = \"" + dir.path() + "/data/ctl.sock\"\n" + tables;
}

}  // namespace gw::test
