#pragma once
// What the daemon hands DiagContext, built from the drivers' own counters and
// frames, so the daemon's wiring is one line per provider (see
// docs/gatewayctl.md).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "camera/camera.hpp"
#include "config/config.hpp"
#include "core/result.hpp"
#include "modbus/bus_poller.hpp"
#include "serial/serial_port.hpp"

namespace gw {

// One object per device: {"id","kind":"modbus"|"serial"|"camera","online",...counters}.
nlohmann::json devices_json(const std::vector<modbus::DeviceCounters>& modbus,
                            const std::vector<serial::SerialCounters>& serial,
                            const std::vector<camera::CameraCounters>& cameras);

// The daemon polls every configured Modbus device, so it owns exactly the
// buses of the configuration.
bool config_owns_bus(const Config& config, const std::string& bus);

}  // namespace gw
