#pragma once
// The center's `ack` and `mode` commands (docs/contract.md, "Commands";
// docs/schema/cmd-ack.json, cmd-mode.json) as plain functions for the
// CommandRouter, and for the control socket's `ack` and `mode`. The request
// is expected to have passed its schema; the fields are checked again here,
// so a request of the wrong shape is an error, never a throw.
// Each returns the reply's `result` object, or the error text of ok:false.
#include <string>

#include <nlohmann/json.hpp>

#include "control/dispatcher.hpp"
#include "core/result.hpp"
#include "loop/closed_loop.hpp"

namespace gw::command {

// {"id","incident":"<incident or event id>","by","note"?}
//   -> {"incident":"<incident id>","acked_by","ack_note"|null,
//       "event":"<id of the update sent>"|null,"already":bool}
// Unknown or closed incident: error. A repeated ack: ok, already:true, no event.
Result<nlohmann::json> ack(loop::ClosedLoop& loop, const nlohmann::json& request);

// {"id","mode":"normal"|"emergency","duration_s"?} (no duration: until changed)
//   -> {"mode","since","until"|null,"source":"command:<id>"}
// `source` overrides the recorded source (the control socket: "control").
// Empty when a mode request is valid, else why not (the router's Check for
// `mode`, and mode()'s first step).
std::string mode_request_error(const nlohmann::json& request);
Result<nlohmann::json> mode(loop::ClosedLoop& loop, const nlohmann::json& request,
                            const std::string& source = "");

// The control socket's `ack` ({"cmd":"ack","incident","by","note"?}) and
// `mode` ({"cmd":"mode"} reads it; {"cmd":"mode","mode","duration_s"?} sets
// it, source "control"): the same functions, replies with "ok"; and
// `incidents` ({"cmd":"incidents"} -> {"incidents":[the book's open ones]}).
void add_loop_control_commands(Dispatcher& commands, loop::ClosedLoop& loop);

}  // namespace gw::command
