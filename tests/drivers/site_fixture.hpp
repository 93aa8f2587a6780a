#pragma once
// A simulated site for driver tests: the real sitesim program on a free TCP
// port or on one end of a socat pty pair, and the matching device and point
// configs (the example site's three slaves).
#include <regex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace gw::test {

// Slave 1 flood gauge, 2 fire panel, 3 lift: fixed values so tests can
// check decoding end to end.
inline const char* kSiteScenario =
    "t_s,slave,table,address,value\n"
    "0,1,holding_register,0,123\n"  // water_depth 12.3 cm
    "0,1,holding_register,1,7\n"    // rain_count
    "0,2,holding_register,0,-55\n"  // room_temp -5.5 C (int16)
    "0,2,holding_register,1,9\n"    // co_ppm
    "0,2,discrete_input,0,1\n"      // smoke
    "0,3,discrete_input,1,1\n"      // lift_moving
    "0,3,holding_register,0,4\n";   // lift_floor

inline DeviceConfig device(const std::string& id, int slave) {
    DeviceConfig d;
    d.id = id;
    d.slave = slave;
    d.timeout_ms = 150;
    d.retries = 1;
    d.poll_ms = 100;
    d.backoff_max_ms = 800;
    return d;
}

inline PointConfig point(const std::string& id, const std::string& dev, Table t, int address,
                         ValueType type = ValueType::uint16, double scale = 1.0) {
    PointConfig p;
    p.id = id;
    p.device = dev;
    p.table = t;
    p.address = address;
    p.type = (t == Table::coil || t == Table::discrete_input) ? ValueType::boolean : type;
    p.scale = scale;
    return p;
}

inline std::vector<PointConfig> site_points() {
    auto depth = point("water_depth", "flood", Table::holding_register, 0, ValueType::uint16, 0.1);
    depth.max = 500;
    auto limited = point("depth_limited", "flood", Table::holding_register, 0);
    limited.max = 100;  // 123 > 100: out_of_range
    return {depth,
            limited,
            point("rain_count", "flood", Table::holding_register, 1),
            point("room_temp", "fire", Table::holding_register, 0, ValueType::int16, 0.1),
            point("co_ppm", "fire", Table::holding_register, 1),
            point("smoke", "fire", Table::discrete_input, 0),
            point("lift_moving", "lift", Table::discrete_input, 1),
            point("lift_floor", "lift", Table::holding_register, 0, ValueType::int16)};
}

inline std::vector<DeviceConfig> tcp_devices(int port) {
    std::vector<DeviceConfig> out{device("flood", 1), device("fire", 2), device("lift", 3)};
    for (auto& d : out) {
        d.transport = Transport::tcp;
        d.host = "127.0.0.1";
        d.port = port;
    }
    return out;
}

inline std::vector<DeviceConfig> rtu_devices(const std::string& tty) {
    std::vector<DeviceConfig> out{device("flood", 1), device("fire", 2), device("lift", 3)};
    for (auto& d : out) {
        d.transport = Transport::rtu;
        d.serial = tty;
        d.baud = 115200;
        d.pause_ms = 2;  // a pause between requests, as field buses need
    }
    return out;
}

// `socat -d -d pty,raw,echo=0 pty,raw,echo=0`: a null-modem pair of ptys.
class PtyPair {
  public:
    explicit PtyPair(const TempDir& dir)
        : socat_({"socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"}, dir.path(), "socat") {
        std::vector<std::string> names;
        for (int i = 0; i < 250 && names.size() < 2; ++i) {
            names.clear();
            const std::string err = socat_.err();
            static const std::regex re("PTY is (/dev/pts/[0-9]+)");
            for (auto it = std::sregex_iterator(err.begin(), err.end(), re);
                 it != std::sregex_iterator(); ++it)
                names.push_back((*it)[1]);
            if (names.size() < 2) socat_.wait_for_output("starting data transfer loop", 20);
        }
        if (names.size() == 2) {
            a_ = names[0];
            b_ = names[1];
        }
    }
    bool ok() const { return !a_.empty(); }
    const std::string& a() const { return a_; }
    const std::string& b() const { return b_; }

  private:
    Process socat_;
    std::string a_, b_;
};

inline std::vector<std::string> sitesim_args(const std::string& scenario,
                                             std::vector<std::string> extra) {
    std::vector<std::string> argv{GW_SITESIM, "--scenario", scenario};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

}  // namespace gw::test
