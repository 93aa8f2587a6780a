#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "config/secret_files.hpp"
#include "options.hpp"
#include "provision.hpp"

namespace gw::ctl {
namespace {

struct ProvisionArgs {
    std::string config = "/etc/city-edge-gateway/gateway.toml";
    Provisioning changes;
    std::vector<std::string> brokers;
    bool dry_run = false;
};

// Warnings, not refusals: a config may be provisioned before its files are
// copied in. gatewayd, though, refuses at start what is warned of here.
void warn_file_problems(const Provisioning& p) {
    for (const auto* file : {&p.ca_file, &p.cert_file, &p.key_file, &p.credentials_file}) {
        if (!*file || (*file)->empty()) continue;
        const std::string& path = **file;
        // systemd starts gatewayd in /, not in the technician's folder.
        if (path.front() != '/')
            std::cerr << "warning: " << path
                      << " is a relative path: gatewayd looks for it from its own working folder "
                         "(/ under systemd); give an absolute path\n";
        struct stat st {};
        if (stat(path.c_str(), &st) != 0) {
            std::cerr << "warning: " << path
                      << " does not exist yet (the daemon needs it at start)\n";
            continue;
        }
        if (file == &p.credentials_file)
            if (auto c = read_credentials(path); !c)
                std::cerr << "warning: " << path << ": " << c.error()
                          << " (gatewayd refuses it at start)\n";
    }
}

int provision(ProvisionArgs& a) {
    if (!a.brokers.empty()) a.changes.brokers = a.brokers;
    if (a.changes.empty()) {
        std::cerr << "provision: nothing to change (see gatewayctl provision --help)\n";
        return kUsage;
    }
    std::ifstream in(a.config, std::ios::binary);
    if (!in) {
        std::cerr << a.config << ": cannot read the configuration file: " << std::strerror(errno)
                  << "\n";
        return kUsage;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto result = provision_text(text.str(), a.config, a.changes);
    if (!result.ok()) {
        for (const auto& line : result.errors.lines) std::cerr << line << "\n";
        std::cerr << "provision: not written, " << a.config << " is unchanged\n";
        return kUsage;
    }
    warn_file_problems(a.changes);
    if (a.dry_run) {
        std::cout << result.text;
        return kOk;
    }
    if (auto written = replace_file(a.config, result.text); !written) {
        std::cerr << "provision: " << written.error() << "\n";
        return kFailed;
    }
    std::cout << "ok: " << a.config << " provisioned\n";
    return kOk;
}

}  // namespace

void add_provision_commands(CLI::App& app, Runner& run) {
    auto args = std::make_shared<ProvisionArgs>();
    auto* cmd = app.add_subcommand(
        "provision",
        "set the site identity, brokers and TLS files in the config (validated before writing)");
    cmd->add_option("-c,--config", args->config, "configuration file to edit")
        ->capture_default_str()
        ->check(readable_file());
    cmd->add_option("--district", args->changes.district, "district name");
    cmd->add_option("--site", args->changes.site, "site id (part of MQTT topics)");
    cmd->add_option("--gateway-id", args->changes.gateway_id, "gateway id, unique in the district");
    cmd->add_option("--broker", args->brokers,
                    "broker URI, repeat for failover order (replaces the list)");
    cmd->add_option("--ca-file", args->changes.ca_file, "TLS: CA certificate file");
    cmd->add_option("--cert-file", args->changes.cert_file, "TLS: client certificate file");
    cmd->add_option("--key-file", args->changes.key_file, "TLS: client private key file");
    cmd->add_option("--credentials-file", args->changes.credentials_file,
                    "MQTT user/password file (\"user\\npassword\", mode 0600)");
    auto* no_tls =
        cmd->add_flag("--no-tls", args->changes.remove_tls, "remove the [uplink.tls] table");
    no_tls->excludes(cmd->get_option("--ca-file"))
        ->excludes(cmd->get_option("--cert-file"))
        ->excludes(cmd->get_option("--key-file"));
    cmd->add_flag("-n,--dry-run", args->dry_run, "print the new file instead of writing it");
    cmd->callback([&run, args] { run = [args] { return provision(*args); }; });
}

}  // namespace gw::ctl
