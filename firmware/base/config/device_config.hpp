#pragma once
// What the field-bus drivers take: a [[devices]] entry (a Modbus slave on TCP
// or RTU) and a [[serial_ports]] entry (a line-oriented sensor port).
#include <string>

#include "core/enum_names.hpp"

namespace gw {

enum class Transport { tcp, rtu };
inline constexpr EnumNames<Transport, 2> kTransportNames{{
    {Transport::tcp, "tcp"},
    {Transport::rtu, "rtu"},
}};

// The rates a serial line may run at: the ones termios names. libmodbus
// falls back to 9600 without a word on any other, so the loader refuses them.
inline constexpr int kBaudRates[] = {300,   600,   1200,   2400,   4800,   9600,  19200,
                                     38400, 57600, 115200, 230400, 460800, 921600};

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
    int poll_ms_emergency = 250;  // in emergency mode; default poll_ms/4, at least 10
    int pause_ms = 0;             // between requests on the same bus
    int connect_pause_ms = 0;     // after (re)connecting, before the first request
    int backoff_max_ms = 30000;
    // Devices sharing a bus are polled in turn by one thread.
    std::string bus() const;
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

}  // namespace gw
