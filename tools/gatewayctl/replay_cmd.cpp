// gatewayctl replay: runs a site's sensor detectors over a recorded trace,
// so a technician can tune thresholds offline with the daemon's own code.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "config/loader.hpp"
#include "contract/contract.hpp"
#include "detectors/detector_set.hpp"
#include "detectors/kinds.hpp"
#include "options.hpp"
#include "replay/replay.hpp"

namespace gw::ctl {

namespace {

struct ReplayArgs {
    std::string config;
    std::string trace;
    bool json = false;
};

int replay(const ReplayArgs& args) {
    auto loaded = load_config(args.config, detectors::kinds());
    if (!loaded.ok()) {
        for (const auto& line : loaded.errors.lines) std::cerr << line << "\n";
        return kUsage;
    }
    std::ifstream trace(args.trace);
    if (!trace) {
        std::cerr << args.trace << ": cannot open trace: " << std::strerror(errno) << "\n";
        return kUsage;
    }
    // Replay ids are marked so they can never be mistaken for the gateway's own.
    EventIdSource ids(loaded.config->identity.gateway + "-replay", 0);
    auto set = detectors::DetectorSet::build(loaded.config->detectors, ids);
    if (!set) {
        std::cerr << args.config << ": " << set.error() << "\n";
        return kUsage;
    }
    for (const auto& id : set->skipped())
        std::cerr << "note: detector " << id << " is not a sensor detector; not replayed\n";
    auto stats = replay::run(trace, *set, [&](const Event& e) {
        if (args.json)
            std::cout << contract::event_json(e, "t_ms").dump() << "\n";
        else
            std::cout << replay::event_text(e) << "\n";
    });
    std::cout.flush();
    if (!stats) {
        std::cerr << args.trace << ":" << stats.error() << "\n";
        return kUsage;
    }
    if (stats->unknown_samples > 0) {
        std::cerr << "skipped " << stats->unknown_samples << " samples of points no detector uses:";
        for (const auto& p : stats->unknown_points) std::cerr << " " << p;
        std::cerr << "\n";
    }
    return kOk;
}

}  // namespace

void add_replay_commands(CLI::App& app, Runner& run) {
    auto args = std::make_shared<ReplayArgs>();
    auto* cmd = app.add_subcommand(
        "replay",
        "run the configured sensor detectors over a recorded trace (CSV t_ms,point,value)");
    cmd->add_option("--config", args->config, "configuration file")
        ->required()
        ->check(readable_file());
    cmd->add_option("--trace", args->trace, "trace CSV with header t_ms,point,value[,quality]")
        ->required()
        ->check(readable_file());
    cmd->add_flag("--json", args->json, "one JSON object per event and line");
    cmd->callback([&run, args] { run = [args] { return replay(*args); }; });
}

}  // namespace gw::ctl
