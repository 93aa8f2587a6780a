#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "config/loader.hpp"
#include "config/start_checks.hpp"
#include "detectors/kinds.hpp"

namespace gw::ctl {

void add_config_commands(CLI::App& app, Runner& run) {
    auto* config = app.add_subcommand("config", "configuration commands");
    config->require_subcommand(1);
    auto* check = config->add_subcommand(
        "check", "validate a configuration file (prints ok or FILE:LINE: key: problem)");
    auto path = std::make_shared<std::string>();
    auto text_only = std::make_shared<bool>(false);
    check->add_option("FILE", *path, "configuration file")->required();
    check->add_flag("--text-only", *text_only,
                    "check the file alone, not the files it names (TLS files, credentials, "
                    "command secret) nor the control socket's path: a config written before "
                    "they are in place");
    check->callback([&run, path, text_only] {
        run = [path, text_only] {
            auto result = load_config(*path, detectors::kinds());
            if (!result.ok()) {
                for (const auto& line : result.errors.lines) std::cerr << line << "\n";
                return kUsage;
            }
            // The files it names, as gatewayd --check-config and a start
            // check them: a world-readable credentials file was "ok" here
            // and refused by the start.
            const auto problems =
                *text_only ? std::vector<std::string>{} : start_problems(*result.config);
            for (const auto& line : problems) std::cerr << line << "\n";
            if (!problems.empty()) return kUsage;
            std::cout << "ok\n";
            return kOk;
        };
    });
}

}  // namespace gw::ctl
