// gw-bench-modbus: polling throughput of the Modbus driver (BusPoller) against
// a raw libmodbus read loop, on the same in-process sitesim TCP server in the
// same run. Both read 10 holding registers per request, back to back.
// Rounds alternate raw and driver (AB BA ...) so machine load hits both
// alike; the figures are medians over the rounds, the ratio the median of the
// per-round ratios with its min and max.
//   gw-bench-modbus [SECONDS_PER_ROUND [ROUNDS]]   (default 1 s, 8 rounds)
#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "bench_cli.hpp"
#include "bench_util.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/sinks.hpp"
#include "modbus/bus_poller.hpp"
#include "sim_server.hpp"

namespace {

constexpr int kRegisters = 10;
using gw::bench::seconds_since;

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        std::perror("bind");
        std::exit(1);
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

class CountingSink : public gw::SampleSink {
  public:
    void on_samples(const std::vector<gw::Sample>& s) override { n += s.size(); }
    std::atomic<uint64_t> n{0};
};

double raw_reads_per_s(int port, double seconds) {
    modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
    if (!ctx || modbus_connect(ctx) != 0) {
        std::fprintf(stderr, "raw: cannot connect\n");
        std::exit(1);
    }
    modbus_set_slave(ctx, 1);
    uint16_t regs[kRegisters];
    uint64_t reads = 0;
    const auto t0 = std::chrono::steady_clock::now();
    while (seconds_since(t0) < seconds)
        if (modbus_read_registers(ctx, 0, kRegisters, regs) == kRegisters) ++reads;
    const double rate = static_cast<double>(reads) / seconds_since(t0);
    modbus_close(ctx);
    modbus_free(ctx);
    return rate;
}

double driver_reads_per_s(int port, double seconds, uint64_t& samples) {
    gw::DeviceConfig dev;
    dev.id = "bench";
    dev.host = "127.0.0.1";
    dev.port = port;
    dev.slave = 1;
    dev.poll_ms = 0;  // back to back: measures the driver, not its schedule
    std::vector<gw::PointConfig> points;
    for (int i = 0; i < kRegisters; ++i) {
        gw::PointConfig p;
        p.id = "r" + std::to_string(i);
        p.device = "bench";
        p.address = i;
        p.scale = 0.1;
        points.push_back(p);
    }
    CountingSink sink;
    gw::SystemClock clock;
    gw::Log log(gw::LogLevel::error);
    gw::modbus::BusPoller bus({dev}, points, sink, clock, log);
    if (!bus.start()) std::exit(1);
    // Count from the first answer on, so connecting is not part of the rate.
    while (bus.counters()[0].responses == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const uint64_t r0 = bus.counters()[0].responses;
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const uint64_t r1 = bus.counters()[0].responses;
    const double rate = static_cast<double>(r1 - r0) / seconds_since(t0);
    bus.stop();
    samples += sink.n;
    return rate;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 1.0;
    int rounds = 8;
    CLI::App app{"gw-bench-modbus: the driver's Modbus TCP polling against a raw libmodbus loop"};
    app.add_option("seconds", seconds, "seconds per round")->check(CLI::Range(0.1, 3600.0));
    app.add_option("rounds", rounds, "alternating rounds")->check(CLI::Range(1, 1000));
    gw::bench::parse_or_exit(app, argc, argv);
    gw::sitesim::Simulator sim(gw::sitesim::Scenario{}, gw::sitesim::SimOptions{});
    for (int i = 0; i < kRegisters; ++i)
        sim.set_value(1, gw::Table::holding_register, i, static_cast<uint16_t>(100 + i));
    const int port = free_port();
    if (!sim.start_tcp("127.0.0.1", port)) return 1;
    // The machine is shared: medians over short alternating rounds keep a
    // burst of someone else's load from deciding the ratio.
    gw::bench::line("modbus.loadavg_start", gw::bench::loadavg_1m(), "load");
    uint64_t samples = 0;
    const auto pairs = gw::bench::alternate(
        rounds, [&] { return raw_reads_per_s(port, seconds); },
        [&] { return driver_reads_per_s(port, seconds, samples); }, "modbus");
    sim.stop();
    gw::bench::report_pairs("modbus", "poll_reads_per_s", "raw_reads_per_s", "reads/s", pairs);
    gw::bench::line("modbus.samples_delivered", static_cast<double>(samples), "samples");
    gw::bench::line("modbus.loadavg_end", gw::bench::loadavg_1m(), "load");
    return 0;
}
