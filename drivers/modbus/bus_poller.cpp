#include "bus_poller.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <map>
#include <optional>

#include "modbus_context.hpp"
#include "modbus_plan.hpp"

namespace gw::modbus {

namespace {

int64_t steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

double steady_ms_precise() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

constexpr int kMinConnectBackoffMs = 200;

}  // namespace

struct BusPoller::Device {
    DeviceConfig cfg;
    size_t index = 0;
    std::vector<ReadBlock> blocks;
    std::vector<int64_t> next_due;  // steady ms, per block
    int64_t backoff_until = 0;
    int backoff_ms = 0;
    bool online = false;
    struct Last {
        double value;
        int64_t mono_ms;
        int64_t stale_ms;  // how long a failure may reuse it as `stale`
    };
    std::map<std::string, Last> last_good;
};

struct BusPoller::Link {
    Context ctx;
};

BusPoller::BusPoller(std::vector<DeviceConfig> devices, const std::vector<PointConfig>& points,
                     SampleSink& sink, const Clock& clock, Log& log)
    : bus_(devices.empty() ? std::string() : devices.front().bus()),
      sink_(sink),
      clock_(clock),
      log_(log) {
    for (auto& cfg : devices) {
        Device d;
        d.index = devices_.size();
        std::vector<PointConfig> mine;
        for (const auto& p : points)
            if (p.device == cfg.id) mine.push_back(p);
        d.blocks = plan_reads(mine, cfg.poll_ms);
        d.next_due.assign(d.blocks.size(), 0);
        DeviceCounters c;
        c.device = cfg.id;
        c.bus = bus_;
        counters_.push_back(c);
        d.cfg = std::move(cfg);
        devices_.push_back(std::move(d));
    }
}

BusPoller::~BusPoller() {
    stop();
}

Status BusPoller::start() {
    if (devices_.empty()) return fail("bus has no devices");
    if (thread_.joinable()) return fail("bus " + bus_ + " already started");
    auto ctx = Context::create(devices_.front().cfg);
    if (!ctx) return fail(ctx.error());
    link_ = std::make_unique<Link>(Link{std::move(ctx.value())});
    {
        std::lock_guard<std::mutex> lock(wake_mutex_);
        stopping_ = false;
    }
    thread_ = std::thread([this] { run(); });
    return Status::success();
}

void BusPoller::stop() {
    {
        std::lock_guard<std::mutex> lock(wake_mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    link_.reset();
}

std::vector<DeviceCounters> BusPoller::counters() const {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    return counters_;
}

bool BusPoller::sleep_ms(int64_t ms) {
    if (ms <= 0) return !stopping_;
    std::unique_lock<std::mutex> lock(wake_mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
    return !stopping_;
}

void BusPoller::run() {
    while (sleep_ms(0)) {
        if (!link_->ctx.connected() && !connect_bus()) continue;
        const int64_t now = steady_ms();
        poll_due(now);
        if (!link_->ctx.connected()) continue;
        const int64_t wake = next_wake(steady_ms());
        sleep_ms(wake - steady_ms());
    }
    link_->ctx.close();
}

// Connects (or reconnects) the bus; on failure every device's points are
// reported and the next attempt waits an exponentially growing backoff.
bool BusPoller::connect_bus() {
    Status st = link_->ctx.connect();
    if (!st) {
        for (auto& d : devices_) {
            count(d.index, [](DeviceCounters& c) { c.connection_errors++; });
            report_failure(d, "connect " + bus_ + ": " + st.error());
        }
        int max_ms = 0;
        for (auto& d : devices_) max_ms = std::max(max_ms, d.cfg.backoff_max_ms);
        connect_backoff_ms_ =
            std::min(max_ms, std::max(kMinConnectBackoffMs, connect_backoff_ms_ * 2));
        sleep_ms(connect_backoff_ms_);
        return false;
    }
    if (ever_connected_)
        log_.info("modbus", "reconnected", {{"bus", bus_}});
    else
        log_.info("modbus", "connected", {{"bus", bus_}});
    ever_connected_ = true;
    connect_backoff_ms_ = 0;
    int pause = 0;
    for (auto& d : devices_) pause = std::max(pause, d.cfg.connect_pause_ms);
    return sleep_ms(pause);
}

void BusPoller::poll_due(int64_t now) {
    for (auto& d : devices_) {
        if (!sleep_ms(0) || !link_->ctx.connected()) return;
        if (now < d.backoff_until) continue;
        poll_device(d, now);
    }
}

// Polls every due block of one device. Returns false when the device failed
// (it is then backed off) or the link went down.
bool BusPoller::poll_device(Device& d, int64_t now) {
    std::vector<Sample> samples;
    for (size_t b = 0; b < d.blocks.size(); ++b) {
        if (d.next_due[b] > now) continue;
        // Skipped slots are not caught up in a burst: the next poll is one
        // interval after the late one.
        d.next_due[b] = std::max(d.next_due[b] + d.blocks[b].poll_ms, now);
        if (d.next_due[b] <= now) d.next_due[b] = now + d.blocks[b].poll_ms;
        const Outcome r = read_block(d, b, samples);
        if (r != Outcome::ok) {
            if (!samples.empty()) sink_.on_samples(samples);
            d.backoff_ms = d.backoff_ms == 0 ? d.cfg.poll_ms
                                             : std::min(d.backoff_ms * 2, d.cfg.backoff_max_ms);
            d.backoff_until = steady_ms() + d.backoff_ms;
            return false;
        }
        if (d.cfg.pause_ms > 0) sleep_ms(d.cfg.pause_ms);
    }
    if (!samples.empty()) sink_.on_samples(samples);
    return true;
}

BusPoller::Outcome BusPoller::read_block(Device& d, size_t b, std::vector<Sample>& out) {
    const ReadBlock& block = d.blocks[b];
    // Sized for the largest response a peer could claim, not for the request:
    // a lying or broken device must not be able to write past them.
    std::array<uint16_t, 256> regs{};
    std::array<uint8_t, 2048> bits{};
    Context& ctx = link_->ctx;
    ctx.set_slave(d.cfg.slave);
    ctx.set_timeout_ms(d.cfg.timeout_ms);
    std::string error;
    for (int attempt = 0; attempt <= d.cfg.retries; ++attempt) {
        if (attempt > 0 && !sleep_ms(std::min(20 << (attempt - 1), d.cfg.timeout_ms))) break;
        if (!ctx.connected()) {
            Status st = ctx.connect();
            if (!st) {
                count(d.index, [](DeviceCounters& c) { c.connection_errors++; });
                report_failure(d, "reconnect: " + st.error());
                return Outcome::link_down;
            }
            ctx.set_slave(d.cfg.slave);
            ctx.set_timeout_ms(d.cfg.timeout_ms);
        }
        const double t0 = steady_ms_precise();
        int rc = -1;
        errno = 0;
        switch (block.table) {
            case Table::coil:
                rc = modbus_read_bits(ctx.get(), block.start, block.count, bits.data());
                break;
            case Table::discrete_input:
                rc = modbus_read_input_bits(ctx.get(), block.start, block.count, bits.data());
                break;
            case Table::holding_register:
                rc = modbus_read_registers(ctx.get(), block.start, block.count, regs.data());
                break;
            case Table::input_register:
                rc = modbus_read_input_registers(ctx.get(), block.start, block.count, regs.data());
                break;
        }
        const int err = errno;
        if (rc == block.count) {
            const double ms = steady_ms_precise() - t0;
            const int64_t wall = clock_.now_ms();
            count(d.index, [&](DeviceCounters& c) {
                c.requests++;
                c.responses++;
                c.latency_avg_ms += (ms - c.latency_avg_ms) / static_cast<double>(c.responses);
                c.latency_max_ms = std::max(c.latency_max_ms, ms);
                c.online = true;
                c.last_ok_ms = wall;
            });
            auto samples = decode_block(block, regs.data(), bits.data(), wall);
            const int64_t mono = clock_.mono_ms();
            // Stale for three poll intervals plus the time one failed poll
            // (every retry timing out) takes; comm_fail after that.
            const int64_t stale_ms =
                3LL * block.poll_ms + static_cast<int64_t>(d.cfg.retries + 1) * d.cfg.timeout_ms;
            for (const auto& s : samples) d.last_good[s.point] = {s.value, mono, stale_ms};
            out.insert(out.end(), samples.begin(), samples.end());
            if (!d.online)
                log_.info("modbus", "device online", {{"device", d.cfg.id}, {"bus", bus_}});
            d.online = true;
            d.backoff_ms = 0;
            return Outcome::ok;
        }
        const Failure f = rc >= 0 ? Failure::protocol : classify_errno(err);
        error = rc >= 0
                    ? "short response: " + std::to_string(rc) + " of " + std::to_string(block.count)
                    : error_text(err);
        count(d.index, [&](DeviceCounters& c) {
            c.requests++;
            switch (f) {
                case Failure::timeout:
                    c.timeouts++;
                    break;
                case Failure::crc:
                    c.crc_errors++;
                    break;
                case Failure::exception:
                    c.exceptions++;
                    break;
                case Failure::protocol:
                    c.protocol_errors++;
                    break;
                case Failure::connection:
                    c.connection_errors++;
                    break;
                case Failure::none:
                    break;
            }
            c.last_error = error;
        });
        // Whatever is left of a bad or late frame must not be read as the
        // next answer.
        ctx.flush();
        if (f == Failure::connection || (f == Failure::timeout && ctx.is_tcp())) {
            // A TCP stream after a timeout may still deliver the late answer:
            // a fresh connection is the only clean state.
            ctx.close();
        }
        if (f == Failure::exception) break;  // the device answered; asking again won't help
    }
    report_failure(d, error);
    return ctx.connected() ? Outcome::failed : Outcome::link_down;
}

// Reports every point of a failed device: `stale` with the last good value
// while that value is younger than three poll intervals plus one failed
// poll's retries, else `comm_fail` (with the last value, or 0 if none).
void BusPoller::report_failure(Device& d, const std::string& why) {
    count(d.index, [&](DeviceCounters& c) {
        c.polls_failed++;
        c.online = false;
        c.last_error = why;
    });
    if (d.online)
        log_.warn("modbus", "device offline",
                  {{"device", d.cfg.id}, {"bus", bus_}, {"error", why}});
    d.online = false;
    const int64_t wall = clock_.now_ms();
    const int64_t mono = clock_.mono_ms();
    std::vector<Sample> samples;
    for (const auto& block : d.blocks) {
        for (const auto& p : block.points) {
            Sample s;
            s.point = p.id;
            s.t_ms = wall;
            s.quality = Quality::comm_fail;
            auto it = d.last_good.find(p.id);
            if (it != d.last_good.end()) {
                s.value = it->second.value;
                if (mono - it->second.mono_ms < it->second.stale_ms) s.quality = Quality::stale;
            }
            samples.push_back(s);
        }
    }
    if (!samples.empty()) sink_.on_samples(samples);
}

int64_t BusPoller::next_wake(int64_t now) const {
    int64_t wake = now + 1000;
    for (const auto& d : devices_) {
        if (d.backoff_until > now) {
            wake = std::min(wake, d.backoff_until);
            continue;
        }
        for (int64_t due : d.next_due) wake = std::min(wake, due);
    }
    return wake;
}

ModbusDriver::ModbusDriver(const std::vector<DeviceConfig>& devices,
                           const std::vector<PointConfig>& points, SampleSink& sink,
                           const Clock& clock, Log& log) {
    std::map<std::string, std::vector<DeviceConfig>> by_bus;
    std::vector<std::string> order;
    for (const auto& d : devices) {
        if (!by_bus.count(d.bus())) order.push_back(d.bus());
        by_bus[d.bus()].push_back(d);
    }
    for (const auto& bus : order)
        buses_.push_back(std::make_unique<BusPoller>(by_bus[bus], points, sink, clock, log));
}

Status ModbusDriver::start() {
    for (auto& b : buses_) {
        Status st = b->start();
        if (!st) return fail("modbus bus " + b->bus() + ": " + st.error());
    }
    return Status::success();
}

void ModbusDriver::stop() {
    for (auto& b : buses_) b->stop();
}

std::vector<DeviceCounters> ModbusDriver::counters() const {
    std::vector<DeviceCounters> all;
    for (const auto& b : buses_) {
        auto c = b->counters();
        all.insert(all.end(), c.begin(), c.end());
    }
    return all;
}

}  // namespace gw::modbus
