// gw-eval: scores the sensor detectors over a directory of scenarios.
// For each DIR:
//   DIR/config.toml             the site config (one loader, one factory)
//   DIR/NAME.csv                a trace (t_ms,point,value[,quality])
//   DIR/NAME.expected.csv       expected events (see scoring.hpp); header only: expect none
// Prints a markdown table: detected, missed, false, latency per scenario.
// Exit 0 when nothing was missed and nothing was false, 1 otherwise, 2 on bad input.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <string>

#include <CLI/CLI.hpp>

#include "config/loader.hpp"
#include "detectors/detector_set.hpp"
#include "detectors/kinds.hpp"
#include "replay/replay.hpp"
#include "scoring.hpp"

namespace fs = std::filesystem;

namespace {

struct Args {
    std::vector<std::string> dirs;
    double max_latency_s = 600;
    double early_s = 60;
    bool verbose = false;
};

std::vector<std::string> scenarios(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        auto name = entry.path().filename().string();
        const std::string ext = ".csv", exp = ".expected.csv";
        bool is_csv = name.size() > ext.size() &&
                      name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
        bool is_exp = name.size() > exp.size() &&
                      name.compare(name.size() - exp.size(), exp.size(), exp) == 0;
        if (is_csv && !is_exp) names.push_back(name.substr(0, name.size() - ext.size()));
    }
    std::sort(names.begin(), names.end());
    return names;
}

gw::Result<gw::eval::Score> run_one(const gw::Config& config, const std::string& dir,
                                    const std::string& name, const Args& args) {
    std::ifstream exp(dir + "/" + name + ".expected.csv");
    if (!exp) return gw::fail(name + ".expected.csv: cannot open");
    auto expected = gw::eval::read_expected(exp, static_cast<int64_t>(args.max_latency_s * 1000),
                                            static_cast<int64_t>(args.early_s * 1000));
    if (!expected) return gw::fail(name + ".expected.csv:" + expected.error());
    gw::EventIdSource ids("eval", 0);
    auto set = gw::detectors::DetectorSet::build(config.detectors, ids);
    if (!set) return gw::fail(set.error());
    std::ifstream trace(dir + "/" + name + ".csv");
    if (!trace) return gw::fail(name + ".csv: cannot open");
    std::vector<gw::Event> events;
    auto stats = gw::replay::run(trace, *set, [&](const gw::Event& e) { events.push_back(e); });
    if (!stats) return gw::fail(name + ".csv:" + stats.error());
    return gw::eval::score(name, *expected, events);
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

void print_row(const gw::eval::Score& s) {
    const auto& l = s.latencies_s;
    double mean = l.empty() ? 0 : std::accumulate(l.begin(), l.end(), 0.0) / l.size();
    double max = l.empty() ? 0 : *std::max_element(l.begin(), l.end());
    std::cout << "| " << s.scenario << " | " << s.expected << " | " << s.detected << " | "
              << s.missed << " | " << s.false_alarms << " | " << s.severity_ok << " | "
              << (l.empty() ? "-" : fmt(mean)) << " | " << (l.empty() ? "-" : fmt(max)) << " |\n";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"gw-eval: score sensor detectors on scenario traces"};
    Args args;
    app.add_option("DIR", args.dirs,
                   "scenario directories (config.toml, NAME.csv, NAME.expected.csv)")
        ->required()
        ->check(CLI::ExistingDirectory);
    app.add_option(
           "--early-s", args.early_s,
           "a detection this much before the noise-free onset still counts (noise crosses first)")
        ->capture_default_str();
    app.add_option("--max-latency-s", args.max_latency_s, "default latency limit for a detection")
        ->capture_default_str();
    app.add_flag("-v,--verbose", args.verbose, "list every miss and false alarm");
    CLI11_PARSE(app, argc, argv);

    std::cout << "| scenario | expected | detected | missed | false | severity ok | mean latency s "
                 "| max latency s |\n"
              << "|---|---|---|---|---|---|---|---|\n";
    gw::eval::Score total;
    total.scenario = "**total**";
    for (const auto& dir : args.dirs) {
        auto loaded = gw::load_config(dir + "/config.toml", gw::detectors::kinds());
        if (!loaded.ok()) {
            for (const auto& line : loaded.errors.lines) std::cerr << line << "\n";
            return 2;
        }
        for (const auto& name : scenarios(dir)) {
            auto s = run_one(*loaded.config, dir, name, args);
            if (!s) {
                std::cerr << dir << "/" << s.error() << "\n";
                return 2;
            }
            print_row(*s);
            if (args.verbose)
                for (const auto& n : s->notes) std::cerr << name << ": " << n << "\n";
            total.expected += s->expected;
            total.detected += s->detected;
            total.missed += s->missed;
            total.false_alarms += s->false_alarms;
            total.severity_ok += s->severity_ok;
            total.latencies_s.insert(total.latencies_s.end(), s->latencies_s.begin(),
                                     s->latencies_s.end());
        }
    }
    print_row(total);
    return total.missed == 0 && total.false_alarms == 0 ? 0 : 1;
}
