#pragma once
// How gatewayctl commands reach the daemon: options naming the socket (or the
// config that names it), --json, and one call that prints the error and
// returns the exit code when something goes wrong.
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "control/control_client.hpp"

namespace gw::ctl {

struct Target {
    std::string config = "/etc/city-edge-gateway/gateway.toml";
    std::string socket;  // overrides the config's control.socket
    bool json = false;   // print the daemon's JSON reply instead of a table
};

// -c/--config, -s/--socket, --json on `cmd`.
void add_target_options(CLI::App* cmd, Target& t);

// Loads the configuration named by the target; prints the errors on failure.
std::optional<Config> load_target_config(const Target& t);

// The socket path: --socket, or control.socket of the config, or when the
// default config cannot be used the packaged socket if it exists (errors
// printed).
std::optional<std::string> socket_of(const Target& t);

// Sends one request. On failure prints "gatewayctl: <message>" and returns
// the exit code (kNoDaemon when not running / not permitted, kBusy when the
// daemon turned it away for now, kUsage for a bad config, kFailed when the
// daemon refused); kOk with `reply` otherwise.
int call(const Target& t, const nlohmann::json& request, nlohmann::json& reply,
         int timeout_ms = 5000, ControlError* error = nullptr);

int exit_code_for(const ControlError& e);

// Whether `path` may be written by a command that saves the daemon's data
// (store export, snapshot, record): kOk, or kUsage (said on stderr, with
// "`what` elsewhere") when it is one of the running store's own files, a
// database, journal, lock or reserve that would be wrecked; the call's code
// when the daemon cannot be asked.
int refuse_store_file(const Target& target, const std::string& path, const char* what);

}  // namespace gw::ctl
