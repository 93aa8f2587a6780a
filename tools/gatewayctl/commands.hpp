#pragma once
// gatewayctl's command groups. Each add_* function adds its subcommands to
// the app and sets `run` on the one that was chosen; main() parses and calls it.
#include <functional>

#include <CLI/CLI.hpp>

namespace gw::ctl {

// Exit codes, documented in docs/gatewayctl.md.
constexpr int kOk = 0;
constexpr int kFailed = 1;    // the command ran and found a problem (a failed check, a NACK)
constexpr int kUsage = 2;     // bad arguments or an invalid config
constexpr int kNoDaemon = 3;  // the daemon is not running or its socket is not permitted
constexpr int kBusy = 4;      // the daemon is up but busy: every connection or worker taken

using Runner = std::function<int()>;

void add_config_commands(CLI::App& app, Runner& run);
void add_analyze_commands(CLI::App& app, Runner& run);
void add_provision_commands(CLI::App& app, Runner& run);
void add_replay_commands(CLI::App& app, Runner& run);
void add_daemon_commands(CLI::App& app, Runner& run);   // status, inject (control socket)
void add_live_commands(CLI::App& app, Runner& run);     // points, devices, events
void add_store_commands(CLI::App& app, Runner& run);    // store stats, store export
void add_mqtt_commands(CLI::App& app, Runner& run);     // mqtt test, selftest
void add_capture_commands(CLI::App& app, Runner& run);  // snapshot, record
void add_modbus_commands(CLI::App& app, Runner& run);   // modbus read, modbus scan

}  // namespace gw::ctl
