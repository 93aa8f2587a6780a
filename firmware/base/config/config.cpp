#include "config.hpp"

#include <algorithm>

namespace gw {

std::string DeviceConfig::bus() const {
    return transport == Transport::rtu ? "rtu:" + serial
                                       : "tcp:" + host + ":" + std::to_string(port);
}

int PointConfig::registers() const {
    return (type == ValueType::int32 || type == ValueType::uint32 || type == ValueType::float32)
               ? 2
               : 1;
}

namespace {
template <typename T>
const T* find_by_id(const std::vector<T>& items, const std::string& id) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.id == id; });
    return it == items.end() ? nullptr : &*it;
}
}  // namespace

const DeviceConfig* Config::device(const std::string& id) const {
    return find_by_id(devices, id);
}
const PointConfig* Config::point(const std::string& id) const {
    return find_by_id(points, id);
}
const CameraConfig* Config::camera(const std::string& id) const {
    return find_by_id(cameras, id);
}

std::string to_string(Table t) {
    switch (t) {
        case Table::coil:
            return "coil";
        case Table::discrete_input:
            return "discrete_input";
        case Table::input_register:
            return "input_register";
        case Table::holding_register:
            return "holding_register";
    }
    return "?";
}

std::string to_string(ValueType t) {
    switch (t) {
        case ValueType::boolean:
            return "bool";
        case ValueType::int16:
            return "int16";
        case ValueType::uint16:
            return "uint16";
        case ValueType::int32:
            return "int32";
        case ValueType::uint32:
            return "uint32";
        case ValueType::float32:
            return "float32";
    }
    return "?";
}

}  // namespace gw
