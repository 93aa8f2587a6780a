// Southbound drivers land here (Modbus, serial, camera); see issue 4.
namespace gw::drivers {
}  // namespace gw::drivers
