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
std::string Config::no_camera(const std::string& id) const {
    std::string known;
    for (const auto& c : cameras) known += (known.empty() ? "" : ", ") + c.id;
    return "no camera \"" + id + "\" (cameras: " + (known.empty() ? "none" : known) + ")";
}

std::string to_string(Table t) {
    return std::string(name_of(kTableNames, t));
}

std::string to_string(ValueType t) {
    return std::string(name_of(kValueTypeNames, t));
}

}  // namespace gw
