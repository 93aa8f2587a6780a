// gatewayctl: the field technician's tool.
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "camera/camera.hpp"
#include "commands.hpp"
#include "gw/version.hpp"

namespace {

// CLI11 says "A subcommand is required" of a mistyped or missing command,
// at any depth ("gatewayctl store exprt"). Walks the leading words down the
// command tree and says which word is wrong and what would be right.
std::optional<std::string> command_words_problem(CLI::App& app, int argc, char** argv) {
    CLI::App* at = &app;
    std::string path = "gatewayctl";
    for (int i = 1;; ++i) {
        const auto subs = at->get_subcommands({});
        // The rest are its arguments (a command with optional subcommands
        // may take a word of its own).
        if (subs.empty() || at->get_require_subcommand_min() == 0) return std::nullopt;
        if (i < argc && argv[i][0] == '-') return std::nullopt;  // options: CLI11's part
        std::string known;
        CLI::App* next = nullptr;
        for (auto* sub : subs) {
            if (i < argc && sub->get_name() == argv[i]) next = sub;
            known += (known.empty() ? "" : ", ") + sub->get_name();
        }
        if (!next && i >= argc && at == &app) return std::nullopt;  // bare: CLI11's usage
        if (!next) {
            const std::string what =
                i < argc ? "unknown command \"" + std::string(argv[i]) + "\"" : "needs a command";
            return path + ": " + what + " (commands: " + known + "; " + path + " --help)";
        }
        at = next;
        path += " " + next->get_name();
    }
}

}  // namespace

int main(int argc, char** argv) {
    gw::camera::bound_capture_waits();  // analyze, capture and selftest read cameras
    CLI::App app{"gatewayctl: diagnose and commission a city-edge-gateway"};
    app.require_subcommand(1);
    app.set_version_flag("-V,--version", std::string("gatewayctl ") + gw::kVersion);
    gw::ctl::Runner run;
    gw::ctl::add_config_commands(app, run);
    gw::ctl::add_analyze_commands(app, run);
    gw::ctl::add_provision_commands(app, run);
    gw::ctl::add_replay_commands(app, run);
    gw::ctl::add_daemon_commands(app, run);
    gw::ctl::add_live_commands(app, run);
    gw::ctl::add_store_commands(app, run);
    gw::ctl::add_mqtt_commands(app, run);
    gw::ctl::add_capture_commands(app, run);
    gw::ctl::add_modbus_commands(app, run);
    if (auto problem = command_words_problem(app, argc, argv)) {
        std::cerr << *problem << "\n";
        return gw::ctl::kUsage;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? gw::ctl::kOk : gw::ctl::kUsage;
    }
    try {
        return run ? run() : gw::ctl::kUsage;
    } catch (const std::exception& e) {
        // A fault of gatewayctl's own: say what, rather than abort.
        std::cerr << "gatewayctl: unexpected error: " << e.what() << "\n";
        return gw::ctl::kFailed;
    }
}
