#pragma once
// What a failed request leaves on the link must never be read as the next
// request's answer. One rule for the daemon's poller and gatewayctl's
// `modbus read` / `modbus scan`, which ask the same devices.
#include <cstdint>
#include <functional>

#include "config/device_config.hpp"
#include "modbus_context.hpp"

namespace gw::modbus {

// Waits `ms` on the caller's clock; false when the caller is stopping.
using Pause = std::function<bool(int64_t ms)>;

// Leaves the link clean after a request failed with `f`:
// - serial line, timeout: the answer may still come; it is given the
//   device's timeout again and thrown away. An RTU answer does not say which
//   registers it holds: arriving after the next request went out (same
//   slave, function and length) it would be decoded as good values of other
//   points.
// - serial line, bad CRC or frame: the device may still be talking; the line
//   is drained until it is quiet (quiet_gap_ms, at most quiet_wait_max_ms).
// - TCP, timeout or a broken link: the connection is closed; a fresh one is
//   the only clean state. The next request connects again (and waits the
//   bus's connect_pause_ms).
// - a request cut by the watchdog (`cut`), on either: closed too; the
//   descriptor is no longer the link at all.
// False when `pause` said the caller is stopping.
bool settle_after_failure(Context& ctx, const DeviceConfig& device, Failure f, bool cut,
                          const Pause& pause);

}  // namespace gw::modbus
