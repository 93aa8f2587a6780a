// gw-bench-modbus: polling throughput of the Modbus driver (BusPoller) against
// a raw libmodbus read loop, on the same in-process sitesim TCP server in the
// same run. Both read 10 holding registers per request, back to back.
// Rounds alternate raw and driver so machine load hits both alike; the
// figures are medians over the rounds (ratio: median of per-round ratios).
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

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/sinks.hpp"
#include "modbus/bus_poller.hpp"
#include "sim_server.hpp"

namespace {

constexpr int kRegisters = 10;

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

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

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
    const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 8;
    gw::sitesim::Simulator sim(gw::sitesim::Scenario{}, gw::sitesim::SimOptions{});
    for (int i = 0; i < kRegisters; ++i)
        sim.set_value(1, gw::Table::holding_register, i, static_cast<uint16_t>(100 + i));
    const int port = free_port();
    if (!sim.start_tcp("127.0.0.1", port)) return 1;
    // The machine is shared: medians over short alternating rounds keep a
    // burst of someone else's load from deciding the ratio.
    std::vector<double> raw, driver, ratio;
    uint64_t samples = 0;
    for (int r = 0; r < rounds; ++r) {
        // Alternate which goes first, so neither always runs on a warm server.
        if (r % 2 == 0) {
            raw.push_back(raw_reads_per_s(port, seconds));
            driver.push_back(driver_reads_per_s(port, seconds, samples));
        } else {
            driver.push_back(driver_reads_per_s(port, seconds, samples));
            raw.push_back(raw_reads_per_s(port, seconds));
        }
        std::fprintf(stderr, "round %d: raw %.0f driver %.0f\n", r, raw.back(), driver.back());
        ratio.push_back(driver.back() / raw.back());
    }
    sim.stop();
    std::printf("modbus.poll_reads_per_s %.0f reads/s\n", median(driver));
    std::printf("modbus.raw_reads_per_s %.0f reads/s\n", median(raw));
    std::printf("modbus.ratio %.3f ratio\n", median(ratio));
    std::printf("modbus.rounds %d rounds\n", rounds);
    std::printf("modbus.samples_delivered %llu samples\n",
                static_cast<unsigned long long>(samples));
    return 0;
}
