#include "line_settle.hpp"

#include "modbus_plan.hpp"

namespace gw::modbus {

namespace {

// Drained until silent for a frame gap, or the longest frame's time has
// passed: a device talking longer is babbling, and the next request goes
// out anyway, failing or not on its own terms. A retry sent while it still
// talks collides with it on a half-duplex RS-485 pair, and the rest of the
// old frame is read as the start of the new answer.
bool wait_quiet(Context& ctx, const DeviceConfig& device, const Pause& pause) {
    const int64_t gap = quiet_gap_ms(device);
    for (int64_t waited = 0;; waited += gap) {
        ctx.flush();
        if (!pause(gap)) return false;
        if (ctx.pending_input() == 0 || waited + gap >= quiet_wait_max_ms(device)) return true;
    }
}

}  // namespace

bool settle_after_failure(Context& ctx, const DeviceConfig& device, Failure f, bool cut,
                          const Pause& pause) {
    if (!ctx.is_tcp()) {
        if (f == Failure::timeout && !cut && !pause(device.timeout_ms)) return false;
        if ((f == Failure::crc || f == Failure::protocol) && !wait_quiet(ctx, device, pause))
            return false;
    }
    ctx.flush();
    if (cut || f == Failure::connection || (f == Failure::timeout && ctx.is_tcp())) ctx.close();
    return true;
}

}  // namespace gw::modbus
