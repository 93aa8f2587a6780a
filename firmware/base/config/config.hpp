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
#include "core/mode.hpp"
#include "core/types.hpp"
#include "detector_config.hpp"
#include "device_config.hpp"
#include "point_config.hpp"
#include "store/store_options.hpp"

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
    // Evidence and telemetry bytes published and not yet acked, at most
    // (one row always): an alarm goes out behind no more than this and one
    // image. Larger drains a backlog faster on a link with long round trips.
    int inflight_bulk_kb = 64;
    int reconnect_min_ms = 500;
    int reconnect_max_ms = 30000;
    // TCP connect, TLS handshake and CONNACK: a poor cellular link (1-2 s
    // round trips, a client certificate) needs more than the default.
    int connect_timeout_s = 5;
    int telemetry_batch_max = 200;  // samples per telemetry message
    std::string credentials_file;   // "username\npassword", must not be world-readable
    std::optional<TlsConfig> tls;
};

struct ControlConfig {
    std::string socket;
    std::string group;  // owner group of the socket; empty: the daemon's own
};

// Commands from the center (docs/contract.md "Commands").
struct CommandsConfig {
    // Set: every command must be signed (HMAC-SHA256) with this file's secret.
    // Must not be readable by others, like uplink.credentials_file.
    std::string secret_file;
    int max_skew_s = 300;         // signed commands older or newer than this are stale
    bool allow_unsynced = false;  // accept signed commands while the clock is not synced
};

// The incident book (issue 13): re-notification and escalation of
// unacknowledged incidents.
struct IncidentsConfig {
    Severity renotify_min_severity = Severity::alarm;  // at or above: re-sent, escalated
    int renotify_s = 300;                              // 0: never re-sent
    int escalate_after_s = 600;                        // 0: never escalated
    // An open incident not re-raised after a restart closes this long after
    // its detector could tell again (DetectorSettings::seen_again_within_s).
    int restart_grace_s = 300;
};

// [[emergency.auto]]: an event that switches the site to emergency mode.
struct EmergencyAutoRule {
    std::string detector;
    std::string type;  // empty: any type of that detector
    Severity min_severity = Severity::alarm;
    int duration_s = 7200;
};

struct Config {
    std::string file;  // where it was loaded from
    std::string hash;  // of the file's bytes; reported in status and the birth message
    Identity identity;
    std::string data_dir = "/var/lib/city-edge-gateway";
    std::string log_level = "info";
    Mode mode = Mode::normal;  // at start, unless a recorded mode change is in force
    UplinkConfig uplink;
    StoreOptions store;  // [store]
    ControlConfig control;
    CommandsConfig commands;
    std::vector<DeviceConfig> devices;
    std::vector<PointConfig> points;
    std::vector<SerialPortConfig> serial_ports;
    std::vector<CameraConfig> cameras;
    std::vector<DetectorConfig> detectors;
    IncidentsConfig incidents;
    std::vector<EmergencyAutoRule> emergency_auto;

    const DeviceConfig* device(const std::string& id) const;
    const PointConfig* point(const std::string& id) const;
    const CameraConfig* camera(const std::string& id) const;
    // What a technician or the center is told of a camera id that is not
    // configured: `no camera "ID" (cameras: a, b)`.
    std::string no_camera(const std::string& id) const;
};

}  // namespace gw
