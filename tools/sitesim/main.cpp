// sitesim: a simulated city site on Modbus TCP or RTU, for tests, benchmarks
// and the demo. Serves a scenario file (see docs/drivers.md) and injects
// faults per slave.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "live_set.hpp"
#include "sim_server.hpp"

int main(int argc, char** argv) {
    CLI::App app{"sitesim: simulated Modbus field devices driven by a scenario file"};
    std::string scenario_path, host = "127.0.0.1", rtu, parity = "N";
    int port = 0, baud = 9600, data_bits = 8, stop_bits = 1;
    gw::sitesim::SimOptions opts;
    std::vector<std::string> faults;
    app.add_option("-s,--scenario", scenario_path, "scenario CSV: t_s,slave,table,address,value")
        ->required();
    auto* tcp =
        app.add_option("--tcp", port, "serve Modbus TCP on this port")->check(CLI::Range(1, 65535));
    app.add_option("--host", host, "TCP listen address (IPv4)");
    auto* serial = app.add_option("--rtu", rtu, "serve Modbus RTU on this serial device or pty");
    app.add_option("--baud", baud, "RTU baud rate")->check(CLI::Range(300, 4000000));
    app.add_option("--parity", parity, "RTU parity N|E|O")->check(CLI::IsMember({"N", "E", "O"}));
    app.add_option("--data-bits", data_bits)->check(CLI::Range(5, 8));
    app.add_option("--stop-bits", stop_bits)->check(CLI::Range(1, 2));
    app.add_option("--speed", opts.speed, "scenario seconds per real second")
        ->check(CLI::Range(0.01, 10000.0));
    app.add_flag("--loop", opts.loop, "repeat the scenario");
    app.add_option("--warmup", opts.warmup_ms,
                   "TCP: leave requests unanswered for this many ms after each accept")
        ->check(CLI::Range(0, 60000));
    app.add_option(
        "--fault", faults,
        "SLAVE:KIND[:ARG], KIND = none|no_answer|late:MS|exception:CODE|wrong_slave|bad_crc|"
        "trickle:MS|drop:N|babble:MS|silent_at:ADDRESS");
    bool stdin_set = false;
    app.add_flag("--stdin-set", stdin_set,
                 "read SLAVE,TABLE,ADDRESS,VALUE lines on stdin, set each at once and answer "
                 "`set UNIX_US ...` on stdout");
    tcp->excludes(serial);
    CLI11_PARSE(app, argc, argv);
    if (!*tcp && !*serial) {
        std::fprintf(stderr, "sitesim: give --tcp PORT or --rtu DEVICE\n");
        return 2;
    }
    auto scenario = gw::sitesim::load_scenario(scenario_path);
    if (!scenario) {
        std::fprintf(stderr, "sitesim: %s\n", scenario.error().c_str());
        return 2;
    }
    // Signals are taken synchronously below, so block them before threads start.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a client that vanished must not kill the site

    gw::sitesim::Simulator sim(std::move(scenario.value()), opts);
    for (const auto& f : faults) {
        auto parsed = gw::sitesim::parse_fault_option(f);
        if (!parsed) {
            std::fprintf(stderr, "sitesim: %s\n", parsed.error().c_str());
            return 2;
        }
        sim.set_fault(parsed->first, parsed->second);
    }
    gw::Status st = *tcp ? sim.start_tcp(host, port)
                         : sim.start_rtu(rtu, baud, parity[0], data_bits, stop_bits);
    if (!st) {
        std::fprintf(stderr, "sitesim: %s\n", st.error().c_str());
        return 1;
    }
    std::string slaves;
    for (int s : sim.slaves()) slaves += (slaves.empty() ? "" : ",") + std::to_string(s);
    std::fprintf(
        stderr, "sitesim: ready %s slaves=%s\n",
        *tcp ? ("tcp " + host + ":" + std::to_string(port)).c_str() : ("rtu " + rtu).c_str(),
        slaves.c_str());
    std::unique_ptr<gw::sitesim::SetCommandReader> setter;
    if (stdin_set) setter = std::make_unique<gw::sitesim::SetCommandReader>(sim, 0, stdout);
    int sig = 0;
    sigwait(&stop_signals, &sig);
    setter.reset();
    sim.stop();
    for (const auto& [id, s] : sim.stats())
        std::fprintf(stderr, "sitesim: slave=%d requests=%llu answered=%llu faulted=%llu\n", id,
                     static_cast<unsigned long long>(s.requests),
                     static_cast<unsigned long long>(s.answered),
                     static_cast<unsigned long long>(s.faulted));
    if (opts.warmup_ms > 0)
        std::fprintf(stderr, "sitesim: early_requests=%llu\n",
                     static_cast<unsigned long long>(sim.early_requests()));
    return 0;
}
