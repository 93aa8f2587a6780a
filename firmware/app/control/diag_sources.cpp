#include "diag_sources.hpp"

namespace gw {

using nlohmann::json;

json devices_json(const std::vector<modbus::DeviceCounters>& modbus,
                  const std::vector<serial::SerialCounters>& serial,
                  const std::vector<camera::CameraCounters>& cameras) {
    json out = json::array();
    for (const auto& c : modbus)
        out.push_back({{"id", c.device},
                       {"kind", "modbus"},
                       {"bus", c.bus},
                       {"online", c.online},
                       {"requests", c.requests},
                       {"responses", c.responses},
                       {"timeouts", c.timeouts},
                       {"crc_errors", c.crc_errors},
                       {"protocol_errors", c.protocol_errors},
                       {"exceptions", c.exceptions},
                       {"connection_errors", c.connection_errors},
                       {"polls_failed", c.polls_failed},
                       {"latency_avg_ms", c.latency_avg_ms},
                       {"latency_max_ms", c.latency_max_ms},
                       {"last_ok_ms", c.last_ok_ms},
                       {"last_error", c.last_error}});
    for (const auto& c : serial)
        out.push_back({{"id", c.port},
                       {"kind", "serial"},
                       {"online", c.open},
                       {"in_sync", c.in_sync},
                       {"bytes", c.framer.bytes},
                       {"lines", c.framer.lines},
                       {"garbage", c.framer.garbage},
                       {"overlong", c.framer.overlong},
                       {"bad_checksum", c.framer.bad_checksum},
                       {"partial", c.framer.partial},
                       {"empty", c.framer.empty},
                       {"matched", c.matched},
                       {"no_match", c.no_match},
                       {"parse_errors", c.parse_errors},
                       {"samples", c.samples},
                       {"opens", c.opens},
                       {"open_errors", c.open_errors},
                       {"read_errors", c.read_errors},
                       {"last_error", c.last_error}});
    for (const auto& c : cameras)
        out.push_back({{"id", c.camera},
                       {"kind", "camera"},
                       {"online", c.online},
                       {"frames_read", c.frames_read},
                       {"frames_delivered", c.frames_delivered},
                       {"frames_dropped", c.frames_dropped},
                       {"open_failures", c.open_failures},
                       {"read_failures", c.read_failures},
                       {"frozen", c.frozen},
                       {"covered", c.covered},
                       {"last_error", c.last_error}});
    return out;
}

bool config_owns_bus(const Config& config, const std::string& bus) {
    for (const auto& d : config.devices)
        if (d.bus() == bus) return true;
    return false;
}

}  // namespace gw
