// gatewayctl: the field technician's tool (config checks now; diagnostics,
// replay and analysis as they land).
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "config/loader.hpp"
#include "detectors/registry.hpp"
#include "gw/version.hpp"

namespace {

// Exit codes (documented in the README):
constexpr int kOk = 0;
constexpr int kFailed = 1;   // the check or command ran and found a problem
constexpr int kUsage = 2;    // bad arguments or invalid config

int config_check(const std::string& path) {
    auto result = gw::load_config(path, gw::detectors::kinds());
    if (!result.ok()) {
        for (const auto& line : result.errors.lines) std::cerr << line << "\n";
        return kUsage;
    }
    std::cout << "ok\n";
    return kOk;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"gatewayctl: diagnose and commission a city-edge-gateway"};
    app.require_subcommand(1);

    auto* config = app.add_subcommand("config", "configuration commands");
    config->require_subcommand(1);
    auto* check = config->add_subcommand("check", "validate a configuration file");
    std::string check_path;
    check->add_option("FILE", check_path, "configuration file")->required();

    app.set_version_flag("-V,--version", std::string("gatewayctl ") + gw::kVersion);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? kOk : kUsage;
    }
    if (check->parsed()) return config_check(check_path);
    return kFailed;
}
