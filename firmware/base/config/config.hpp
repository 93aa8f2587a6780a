#pragma once
// The gateway's whole configuration as plain values. Produced only by
// load_config(), which validates everything before anything starts.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

enum class Transport { tcp, rtu };

struct DeviceConfig {
    std::string id;
    Transport transport = Transport::tcp;
    std::string host;
    int port = 502;
    std::string serial;  // RTU: /dev/ttyUSB0, /dev/ttyS1 ...
    int baud = 9600;
    char parity = 'N';
    int data_bits = 8;
    int stop_bits = 1;
    bool rs485 = false;
    std::string rts = "none";  // none | up | down
    int slave = 1;
    int timeout_ms = 500;
    int retries = 2;
    int poll_ms = 1000;
    int pause_ms = 0;          // between requests on the same bus
    int connect_pause_ms = 0;  // after (re)connecting, before the first request
    int backoff_max_ms = 30000;
    // Devices sharing a bus are polled in turn by one thread.
    std::string bus() const;
};

enum class Table { coil, discrete_input, input_register, holding_register };
enum class ValueType { boolean, int16, uint16, int32, uint32, float32 };
enum class Order { big, little };

struct PointConfig {
    std::string id;
    std::string device;  // a Modbus device id or a serial port id
    Table table = Table::holding_register;
    int address = 0;
    ValueType type = ValueType::uint16;
    Order word_order = Order::big;
    Order byte_order = Order::big;
    double scale = 1.0;
    double offset = 0.0;
    std::string unit;
    std::string field;          // serial ports: the named field of the line
    int poll_ms = 0;            // 0: the device's poll_ms
    int report_ms = 60000;      // telemetry at least this often
    double deadband = 0.0;      // and whenever the value moves by more than this
    std::optional<double> min;  // valid range; outside it: out_of_range
    std::optional<double> max;
    int registers() const;  // how many 16-bit registers the type spans
};

struct SerialPortConfig {
    std::string id;
    std::string device;
    int baud = 9600;
    char parity = 'N';
    int data_bits = 8;
    int stop_bits = 1;
    std::string framing = "line";  // line | nmea ($...*hh)
    std::string pattern;           // regex with named fields (?<name>...)
    int max_line = 256;
};

struct CameraConfig {
    std::string id;
    std::string url;  // file path, rtsp://..., or /dev/videoN
    double fps = 5.0;
    int width = 0;  // 0: keep the camera's size
    int height = 0;
    int reconnect_max_ms = 30000;
    int frozen_ms = 10000;  // identical frames this long: camera fault
};

struct DetectorConfig {
    std::string id;
    std::string kind;
    std::string camera;                         // vision detectors
    std::map<std::string, std::string> inputs;  // role -> point id
    nlohmann::json params;                      // every parameter, defaults filled in
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

std::string to_string(Table t);
std::string to_string(ValueType t);

}  // namespace gw
