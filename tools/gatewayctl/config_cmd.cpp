#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "config/loader.hpp"
#include "detectors/kinds.hpp"

namespace gw::ctl {

void add_config_commands(CLI::App& app, Runner& run) {
    auto* config = app.add_subcommand("config", "configuration commands");
    config->require_subcommand(1);
    auto* check = config->add_subcommand(
        "check", "validate a configuration file (prints ok or FILE:LINE: key: problem)");
    auto path = std::make_shared<std::string>();
    check->add_option("FILE", *path, "configuration file")->required();
    check->callback([&run, path] {
        run = [path] {
            auto result = load_config(*path, detectors::kinds());
            if (!result.ok()) {
                for (const auto& line : result.errors.lines) std::cerr << line << "\n";
                return kUsage;
            }
            std::cout << "ok\n";
            return kOk;
        };
    });
}

}  // namespace gw::ctl
