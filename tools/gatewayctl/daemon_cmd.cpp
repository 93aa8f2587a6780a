// Commands that talk to the running daemon over its control socket.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "config/loader.hpp"
#include "control/control_server.hpp"
#include "detectors/registry.hpp"

namespace gw::ctl {
namespace {

struct Target {
    std::string config = "/etc/city-edge-gateway/gateway.toml";
    std::string socket;  // overrides the config's control.socket
};

void add_target_options(CLI::App* cmd, Target& t) {
    cmd->add_option("-c,--config", t.config, "configuration file (for control.socket)")
        ->capture_default_str();
    cmd->add_option("-s,--socket", t.socket, "control socket path (instead of reading the config)");
}

// Sends one request; prints the error and returns the exit code on failure.
int call(const Target& t, const nlohmann::json& request, nlohmann::json& reply) {
    std::string socket = t.socket;
    if (socket.empty()) {
        auto loaded = load_config(t.config, detectors::kinds());
        if (!loaded.ok()) {
            for (const auto& line : loaded.errors.lines) std::cerr << line << "\n";
            return kUsage;
        }
        socket = loaded.config->control.socket;
    }
    auto r = control_call(socket, request);
    if (!r) {
        std::cerr << "gatewayctl: " << r.error() << "\n";
        return kNoDaemon;
    }
    reply = *r;
    if (!reply.value("ok", false)) {
        std::cerr << "gatewayctl: " << reply.value("error", std::string("failed")) << "\n";
        return kFailed;
    }
    return kOk;
}

}  // namespace

void add_daemon_commands(CLI::App& app, Runner& run) {
    auto target = std::make_shared<Target>();
    auto* status = app.add_subcommand("status", "daemon status: link, store depth, clock (JSON)");
    add_target_options(status, *target);
    status->callback([&run, target] {
        run = [target] {
            nlohmann::json reply;
            int rc = call(*target, {{"cmd", "status"}}, reply);
            if (rc == kOk) std::cout << reply.dump(2) << "\n";
            return rc;
        };
    });

    auto* inject =
        app.add_subcommand("inject", "store a test event; prints its id once it is durable");
    add_target_options(inject, *target);
    auto req = std::make_shared<nlohmann::json>(nlohmann::json{{"cmd", "inject"}});
    auto type = std::make_shared<std::string>("test");
    auto severity = std::make_shared<std::string>("info");
    inject->add_option("-t,--type", *type, "event type")->capture_default_str();
    inject->add_option("--severity", *severity, "info|notice|warning|alarm|critical")
        ->capture_default_str();
    inject->callback([&run, target, req, type, severity] {
        run = [target, req, type, severity] {
            (*req)["type"] = *type;
            (*req)["severity"] = *severity;
            nlohmann::json reply;
            int rc = call(*target, *req, reply);
            if (rc == kOk) std::cout << reply["id"].get<std::string>() << "\n";
            return rc;
        };
    });
}

}  // namespace gw::ctl
