#pragma once
// The center's commands that act on the gateway itself: snapshot, selftest,
// reload. Each reuses what the control socket already does
// (app/control): the camera snapshot, the `selftest` acceptance test, the
// one config loader.
#include <functional>
#include <string>
#include <vector>

#include "command/router.hpp"
#include "config/config.hpp"
#include "control/dispatcher.hpp"
#include "core/event_id.hpp"
#include "core/result.hpp"
#include "pipeline/intake.hpp"

namespace gw::command {

struct GatewayCommandContext {
    const Config& config;  // the running one
    Intake& intake;
    EventIdSource& ids;
    Dispatcher& control;  // the control socket's commands (selftest)
    // The latest frame of a camera, JPEG (VisionRunner::snapshot, as for
    // `gatewayctl snapshot`).
    std::function<Result<std::vector<unsigned char>>(const std::string& camera)> snapshot;
    // Called after a valid reload's reply is stored: the daemon restarts its
    // parts with the new config (main reloads the file).
    std::function<void()> restart;
};

// snapshot: {"camera"} -> an info event kind=camera type=snapshot whose
//   evidence is the frame; result {"event": id, "camera", "bytes"}.
// selftest: result = `gatewayctl selftest`'s {"checks": [...], "passed"}.
// reload: invalid file -> error = the loader's lines; valid -> result
//   {"config_hash", "changed"}, then (if changed) the in-process restart.
void add_gateway_commands(CommandRouter& router, GatewayCommandContext ctx);

// The reload decision, for the daemon and its tests: the running config's
// file read again; the loader's lines (and reload_problems) joined by
// newlines when it cannot replace `running`, else the new config's hash.
Result<std::string> check_new_config(const Config& running);

}  // namespace gw::command
