#pragma once
// Diagnostics commands on the control socket (gatewayctl points, devices,
// events, store, mqtt test, selftest, snapshot, record, modbus). The daemon
// fills a DiagContext with what it owns; handlers read it and never block the
// daemon's data path for long. In-memory reads are quick commands; whatever
// touches the store, encodes a JPEG or waits for the broker runs on the
// dispatcher's workers with a deadline (see dispatcher.hpp).
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "control/dispatcher.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "pipeline/intake.hpp"
#include "pipeline/live_state.hpp"
#include "store/store.hpp"
#include "uplink/uplink.hpp"

namespace gw {

struct DiagContext {
    const Config& config;
    LiveState& live;
    Intake& intake;
    Store& store;
    Uplink& uplink;
    Clock& clock;
    // Per-device counters of every driver (modbus devices, serial ports,
    // cameras) as a JSON array of objects with at least "id" and "kind".
    std::function<nlohmann::json()> devices;
    // True when the daemon polls that bus (DeviceConfig::bus()): gatewayctl
    // modbus read/scan must then refuse to open it.
    std::function<bool(const std::string& bus)> owns_bus;
    // Latest frame of a camera with detector overlays, JPEG-encoded.
    std::function<Result<std::vector<unsigned char>>(const std::string& camera)> snapshot;
};

void add_diag_commands(Dispatcher& commands, DiagContext ctx);

// The selftest's check of an open serial port ({"name","passed","detail"})
// from its devices_json object (diag_sources.hpp): it passes once a line
// gave a sample.
nlohmann::json serial_selftest(const std::string& id, const nlohmann::json& device);

}  // namespace gw
