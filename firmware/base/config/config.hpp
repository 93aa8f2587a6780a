#pragma once
// The gateway's whole configuration as plain values. Produced only by
// load_config(), which validates everything before anything starts.
//
// Each part takes only its own slice: drivers their devices, points, serial
// ports or camera (device_config.hpp, point_config.hpp, camera_config.hpp),
// detectors their DetectorConfig (detector_config.hpp), the uplink its
// UplinkConfig. Plain values, cheap to copy.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "camera_config.hpp"
#include "detector_config.hpp"
#include "device_config.hpp"
#include "point_config.hpp"

namespace gw {

struct Identity {
    std::string district;
    std::string site;
    std::string gateway;  // gateway id: unique in the district, part of every event id
};

struct TlsConfig {
    std::string ca_file;
    std::string cert_file;  // client certificate (optional, with key_file)
    std::string key_file;
};

struct UplinkConfig {
    std::vector<std::string> brokers;  // tried in order; failover to the next
    std::string topic_prefix = "city";
    std::string client_id;  // default: "<site>-<gateway>"
    int keepalive_s = 30;
    int inflight_window = 50;
    int reconnect_min_ms = 500;
    int reconnect_max_ms = 30000;
    int telemetry_batch_max = 200;  // samples per telemetry message
    std::string credentials_file;   // "username\npassword", must not be world-readable
    std::optional<TlsConfig> tls;
};

struct StoreConfig {
    std::string path;  // resolved against gateway.data_dir
    int64_t alarm_max_bytes = 256LL << 20;
    int64_t telemetry_max_bytes = 64LL << 20;
    int commit_window_ms = 5;  // group commit: how long to gather events
    int64_t evidence_max_bytes = 32LL << 20;
};

struct ControlConfig {
    std::string socket;
    std::string group;  // owner group of the socket; empty: the daemon's own
};

struct Config {
    std::string file;  // where it was loaded from
    std::string hash;  // of the file's bytes; reported in status and the birth message
    Identity identity;
    std::string data_dir = "/var/lib/city-edge-gateway";
    std::string log_level = "info";
    std::string mode = "normal";  // normal | emergency
    UplinkConfig uplink;
    StoreConfig store;
    ControlConfig control;
    std::vector<DeviceConfig> devices;
    std::vector<PointConfig> points;
    std::vector<SerialPortConfig> serial_ports;
    std::vector<CameraConfig> cameras;
    std::vector<DetectorConfig> detectors;

    const DeviceConfig* device(const std::string& id) const;
    const PointConfig* point(const std::string& id) const;
    const CameraConfig* camera(const std::string& id) const;
};

}  // namespace gw
