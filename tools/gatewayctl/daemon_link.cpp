#include "daemon_link.hpp"
#include "options.hpp"

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "config/loader.hpp"
#include "detectors/kinds.hpp"
#include "store/files.hpp"

namespace gw::ctl {

void add_target_options(CLI::App* cmd, Target& t) {
    cmd->add_option("-c,--config", t.config, "configuration file (for control.socket)")
        ->capture_default_str();
    cmd->add_option("-s,--socket", t.socket, "control socket path (instead of reading the config)")
        ->check(not_empty());
    cmd->add_flag("--json", t.json, "print JSON (for scripts) instead of a table");
}

std::optional<Config> load_target_config(const Target& t) {
    auto loaded = load_config(t.config, detectors::kinds());
    if (!loaded.ok()) {
        for (const auto& line : loaded.errors.lines) std::cerr << line << "\n";
        return std::nullopt;
    }
    return *loaded.config;
}

int exit_code_for(const ControlError& e) {
    switch (e.kind) {
        case ControlError::Kind::not_running:
        case ControlError::Kind::not_permitted:
            return kNoDaemon;
        case ControlError::Kind::busy:
            return kBusy;
        case ControlError::Kind::bad_path:
        case ControlError::Kind::bad_request:
            return kUsage;
        case ControlError::Kind::refused:
        case ControlError::Kind::stopping:
        case ControlError::Kind::protocol:
            return kFailed;
    }
    return kFailed;
}

// The packaged socket (gateway.example.toml), tried when the default
// config cannot be used: a technician in control.group may not read it
// (/etc/city-edge-gateway is 0750 root:city-edge-gateway), and a config
// half-way through an edit must not keep `status` from a daemon that runs.
constexpr const char* kPackagedSocket = "/run/city-edge-gateway/control.sock";

std::optional<std::string> socket_of(const Target& t) {
    if (!t.socket.empty()) return t.socket;
    if (auto config = load_target_config(t)) return config->control.socket;
    std::error_code ec;
    if (t.config == Target{}.config && std::filesystem::exists(kPackagedSocket, ec)) {
        std::cerr << "gatewayctl: cannot use " << t.config
                  << " (above): trying the packaged socket " << kPackagedSocket
                  << " (-s SOCKET for another)\n";
        return kPackagedSocket;
    }
    std::cerr << "gatewayctl: to reach gatewayd without " << t.config
              << ", give its control socket: -s SOCKET\n";
    return std::nullopt;
}

int call(const Target& t, const nlohmann::json& request, nlohmann::json& reply, int timeout_ms,
         ControlError* error) {
    auto socket = socket_of(t);
    if (!socket) return kUsage;
    ControlError why{};
    auto r = ControlClient(*socket, timeout_ms).call(request, &why);
    if (error) *error = why;
    if (!r) {
        std::cerr << "gatewayctl: " << r.error() << "\n";
        return exit_code_for(why);
    }
    reply = std::move(*r);
    return kOk;
}

int refuse_store_file(const Target& target, const std::string& path, const char* what) {
    nlohmann::json stats;
    if (int rc = call(target, {{"cmd", "store_stats"}}, stats); rc != kOk) return rc;
    // Symlinks resolved: a link into the data folder is the store's file too.
    namespace fs = std::filesystem;
    const std::string store = stats.value("path", std::string());
    std::error_code out_error, store_error;
    const auto out = fs::weakly_canonical(path, out_error);
    const auto db = fs::weakly_canonical(store, store_error);
    if (store.empty() || out_error || store_error || !store::is_store_file(out, db)) return kOk;
    std::cerr << "gatewayctl: " << path << " is one of the store's own files; " << what
              << " elsewhere\n";
    return kUsage;
}

}  // namespace gw::ctl
