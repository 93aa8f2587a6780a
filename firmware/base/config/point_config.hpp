#pragma once
// A [[points]] entry: one value read from a Modbus device or a serial port.
// The Modbus and serial drivers and the telemetry reporter take these.
#include <optional>
#include <string>

#include "core/enum_names.hpp"

namespace gw {

enum class Table { coil, discrete_input, input_register, holding_register };
inline constexpr EnumNames<Table, 4> kTableNames{{
    {Table::coil, "coil"},
    {Table::discrete_input, "discrete_input"},
    {Table::input_register, "input_register"},
    {Table::holding_register, "holding_register"},
}};

enum class ValueType { boolean, int16, uint16, int32, uint32, float32 };
inline constexpr EnumNames<ValueType, 6> kValueTypeNames{{
    {ValueType::boolean, "bool"},
    {ValueType::int16, "int16"},
    {ValueType::uint16, "uint16"},
    {ValueType::int32, "int32"},
    {ValueType::uint32, "uint32"},
    {ValueType::float32, "float32"},
}};

enum class Order { big, little };
inline constexpr EnumNames<Order, 2> kOrderNames{{
    {Order::big, "big"},
    {Order::little, "little"},
}};

std::string to_string(Table t);
std::string to_string(ValueType t);

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
    std::string field;      // serial ports: the named field of the line
    int poll_ms = 0;        // 0: the device's poll_ms
    int report_ms = 60000;  // telemetry at least this often
    double deadband = 0.0;  // and whenever the value moves by more than this
    // The same in emergency mode (issue 13). Defaults: poll_ms/4 (0 with
    // poll_ms 0: the device's), report_ms/4 (at least 100), deadband/2.
    int poll_ms_emergency = 0;
    int report_ms_emergency = 15000;
    double deadband_emergency = 0.0;
    std::optional<double> min;  // valid range; outside it: out_of_range
    std::optional<double> max;
    int registers() const;  // how many 16-bit registers the type spans
    // How often the point is read on a device polled every device_ms, in
    // normal and in emergency mode: its own interval where it sets one (> 0),
    // else the device's. One rule for the poller's plan and the loader's
    // checks, so the check judges the interval the poller uses.
    int polled_every_ms(int device_ms) const { return poll_ms > 0 ? poll_ms : device_ms; }
    int polled_every_ms_emergency(int device_ms_emergency) const {
        return poll_ms_emergency > 0 ? poll_ms_emergency : device_ms_emergency;
    }
};

}  // namespace gw
