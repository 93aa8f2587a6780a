#include "daemon_link.hpp"
#include "options.hpp"

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "config/loader.hpp"
#include "detectors/kinds.hpp"

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

std::optional<std::string> socket_of(const Target& t) {
    if (!t.socket.empty()) return t.socket;
    auto config = load_target_config(t);
    if (!config) return std::nullopt;
    return config->control.socket;
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

namespace {

// The store's own files: an export written over one would wreck the store
// (the database and its journal files, the salvage marker, the instance
// lock, the full-disk reserve, the boot counter beside it) or lose what
// salvage kept (the damaged copies).
bool is_store_file(const std::string& out, const std::string& store) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path target = fs::weakly_canonical(out, ec);
    if (ec || store.empty()) return false;
    const fs::path db = fs::weakly_canonical(store, ec);
    if (ec || target.parent_path() != db.parent_path()) return false;
    const std::string name = target.filename().string();
    const std::string base = db.filename().string();
    for (const char* suffix : {"", "-wal", "-shm", "-journal", ".salvaging", ".lock", "-reserve"})
        if (name == base + suffix) return true;
    return name == "boot.count" || name.rfind(base + ".corrupt-", 0) == 0;
}

}  // namespace

int refuse_store_file(const Target& target, const std::string& path, const char* what) {
    nlohmann::json stats;
    if (int rc = call(target, {{"cmd", "store_stats"}}, stats); rc != kOk) return rc;
    if (!is_store_file(path, stats.value("path", std::string()))) return kOk;
    std::cerr << "gatewayctl: " << path << " is one of the store's own files; " << what
              << " elsewhere\n";
    return kUsage;
}

}  // namespace gw::ctl
