// gatewayctl: the field technician's tool.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "gw/version.hpp"

int main(int argc, char** argv) {
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
    // CLI11 says "A subcommand is required" of a mistyped one.
    if (argc > 1 && argv[1][0] != '-') {
        std::string known;
        bool found = false;
        for (const auto* sub : app.get_subcommands({})) {
            found = found || sub->get_name() == argv[1];
            known += (known.empty() ? "" : ", ") + sub->get_name();
        }
        if (!found) {
            std::cerr << "gatewayctl: unknown command \"" << argv[1] << "\" (commands: " << known
                      << "; gatewayctl --help)\n";
            return gw::ctl::kUsage;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? gw::ctl::kOk : gw::ctl::kUsage;
    }
    return run ? run() : gw::ctl::kUsage;
}
