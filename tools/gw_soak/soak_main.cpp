// gw-soak: the fault harness behind tools/soak (and ctest soak.short).
// Drives the real gatewayd, a real mosquitto and an event source: rounds of
// kill -9 during ingest and publish with broker outages, then the disk-full
// case. Prints accepted, delivered, lost and duplicate events; exit 0 only
// if nothing accepted was lost and every check held. docs/faults.md.
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include <CLI/CLI.hpp>

#include "disk_full.hpp"
#include "kill_rounds.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace gw::soak;

std::string refusal_text(const std::map<std::string, int>& refusals) {
    std::string out;
    for (const auto& [why, n] : refusals)
        out += (out.empty() ? "" : "; ") + std::to_string(n) + " x \"" + why + "\"";
    return out.empty() ? "none" : out;
}

void print_delivery(const char* what, const Delivery& d) {
    std::printf("soak: %s: accepted %zu, delivered %zu, lost %zu, duplicates %zu", what, d.accepted,
                d.delivered, d.lost, d.duplicates);
    if (d.unacknowledged)
        std::printf(" (and %zu delivered whose reply the kill cut off)", d.unacknowledged);
    std::printf("\n");
}

void print(const KillRoundsResult& r) {
    std::printf(
        "soak: kill -9: %d rounds (%d with a broker outage) in %.0f s; %d starts, %d failed\n",
        r.rounds, r.outage_rounds, r.seconds, r.starts, r.failed_starts);
    std::printf(
        "soak: kill -9: killed with publishes in flight %d times, with unsent rows %d times\n",
        r.kills_with_publishes_in_flight, r.kills_with_unsent_rows);
    print_delivery("kill -9", r.delivery);
    if (!r.refusals.empty())
        std::printf("soak: kill -9: refused: %s\n", refusal_text(r.refusals).c_str());
}

void print(const DiskFullResult& r) {
    if (r.skipped) {
        std::printf("soak: disk full: SKIPPED: %s\n", r.skip_reason.c_str());
        return;
    }
    std::printf("soak: disk full (%s, %.0f s): full after %.1f s holding %lld telemetry rows\n",
                r.file_system.c_str(), r.seconds, r.seconds_to_full,
                static_cast<long long>(r.telemetry_rows_at_full));
    std::printf(
        "soak: disk full: %zu alarms accepted while full, %lld telemetry rows evicted for "
        "them, %lld left at the first refusal\n",
        r.alarms_accepted_while_full, static_cast<long long>(r.telemetry_evicted_rows),
        static_cast<long long>(r.telemetry_rows_at_first_refusal));
    std::printf("soak: disk full: refused: %s; answering after refusals: %s\n",
                refusal_text(r.refusals).c_str(), r.alive_after_refusals ? "yes" : "no");
    std::printf(
        "soak: disk full: kill -9 and restart on the full disk: %s; full again: %s, %zu "
        "alarms accepted then; accepted again %.1f s after space returned\n",
        r.restarted_on_full_disk ? "ready" : "FAILED", r.full_again_after_restart ? "yes" : "no",
        r.alarms_accepted_full_again, r.seconds_to_accept_after_space);
    std::printf(
        "soak: disk full: broker back while full: drained %s in %.1f s, alarms accepted "
        "again %.1f s later\n",
        r.drained_while_full ? "everything" : "NOT everything", r.seconds_to_drain_while_full,
        r.seconds_to_accept_after_drain);
    print_delivery("disk full", r.delivery);
    std::string notices;
    for (const auto& [type, n] : r.notices) notices += " " + type + "=" + std::to_string(n);
    std::printf("soak: disk full: other events at the center:%s\n",
                notices.empty() ? " none" : notices.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"gw-soak: kill -9, broker outages and a full disk against the real gatewayd"};
    KillRoundsOptions kill;
    DiskFullOptions full;
    bool quick = false, no_disk_full = false, verbose = false;
    std::string work_dir;
    unsigned seed = std::random_device{}();
    app.add_option("--gatewayd", kill.gatewayd, "the gatewayd program to test")->required();
    app.add_option("--rounds", kill.rounds, "kill -9 rounds")->check(CLI::Range(0, 100000));
    app.add_flag("--short", quick, "a few rounds and a smaller disk (the ctest variant)");
    app.add_flag("--no-disk-full", no_disk_full, "skip the disk-full case");
    app.add_option("--seed", seed, "random seed (printed; repeat a run with it)");
    app.add_option("--work", work_dir,
                   "keep logs and data in this directory (default: a temp dir, removed)");
    app.add_flag("-v,--verbose", verbose, "one line per round and phase");
    CLI11_PARSE(app, argc, argv);
    if (quick) {
        if (app.count("--rounds") == 0) kill.rounds = 6;
        kill.max_kill_ms = 1000;
        full.disk_mb = 12;
        full.ballast_kb = 6 << 10;
    }
    kill.seed = seed;
    kill.verbose = full.verbose = verbose;
    full.gatewayd = kill.gatewayd;

    std::unique_ptr<gw::test::TempDir> temp;
    if (work_dir.empty()) {
        temp = std::make_unique<gw::test::TempDir>();
        work_dir = temp->path();
    } else {
        ::mkdir(work_dir.c_str(), 0700);
    }
    std::printf("soak: seed %u, gatewayd %s\n", seed, kill.gatewayd.c_str());
    std::fflush(stdout);
    std::vector<std::string> failures;
    try {
        if (kill.rounds > 0) {
            ::mkdir((work_dir + "/kill").c_str(), 0700);
            auto r = run_kill_rounds(kill, work_dir + "/kill");
            print(r);
            failures.insert(failures.end(), r.failures.begin(), r.failures.end());
        }
        std::fflush(stdout);
        if (!no_disk_full) {
            ::mkdir((work_dir + "/full").c_str(), 0700);
            auto r = run_disk_full(full, work_dir + "/full");
            print(r);
            failures.insert(failures.end(), r.failures.begin(), r.failures.end());
        }
    } catch (const std::exception& e) {
        failures.push_back(std::string("harness: ") + e.what());
    }
    for (const auto& f : failures) std::printf("soak: FAIL: %s\n", f.c_str());
    std::printf("soak: %s\n", failures.empty() ? "PASS" : "FAIL");
    return failures.empty() ? 0 : 1;
}
