#include "bus_poller.hpp"

#include <algorithm>
#include <cerrno>
#include <map>

#include "line_settle.hpp"
#include "modbus_context.hpp"
#include "modbus_plan.hpp"

namespace gw::modbus {

struct BusPoller::Device {
    DeviceConfig cfg;
    size_t index = 0;
    std::vector<ReadBlock> blocks;
    bool online = false;
    int64_t failed_poll_ms = 0;  // see failed_poll_ms(DeviceConfig)
    struct Last {
        double value;
        int64_t mono_ms;
        int64_t stale_ms;  // how long a failure may reuse it as `stale`
    };
    std::map<std::string, Last> last_good;
    // Where the next turn starts: after a block the device failed on, so a
    // block it never answers cannot hide the blocks after it.
    size_t first_block = 0;
};

struct BusPoller::Link {
    Context ctx;
};

BusPoller::BusPoller(std::vector<DeviceConfig> devices, const std::vector<PointConfig>& points,
                     SampleSink& sink, const Clock& clock, Log& log, const ModeView* mode)
    : bus_(devices.empty() ? std::string() : devices.front().bus()),
      sink_(sink),
      clock_(clock),
      log_(log),
      intervals_(devices_, mode) {
    for (auto& cfg : devices) {
        Device d;
        d.index = devices_.size();
        std::vector<PointConfig> mine;
        for (const auto& p : points)
            if (p.device == cfg.id) mine.push_back(p);
        d.blocks = plan_reads(mine, cfg.poll_ms, cfg.poll_ms_emergency);
        DeviceCounters c;
        c.device = cfg.id;
        c.bus = bus_;
        counters_.push_back(c);
        connect_pause_ms_ = std::max(connect_pause_ms_, cfg.connect_pause_ms);
        d.failed_poll_ms = failed_poll_ms(cfg);
        d.cfg = std::move(cfg);
        devices_.push_back(std::move(d));
    }
    std::vector<PollSchedule::Device> slots;
    for (const auto& d : devices_) slots.push_back({d.blocks.size(), d.cfg.backoff_max_ms});
    schedule_.emplace(std::move(slots), intervals_);
}

int64_t BusPoller::ConfiguredIntervals::block_ms(size_t device, size_t block) const {
    const ReadBlock& b = devices_[device].blocks[block];
    return in_emergency(mode_) ? b.poll_ms_emergency : b.poll_ms;
}

int64_t BusPoller::ConfiguredIntervals::device_ms(size_t device) const {
    const DeviceConfig& cfg = devices_[device].cfg;
    return in_emergency(mode_) ? cfg.poll_ms_emergency : cfg.poll_ms;
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
    if (!watchdog_) watchdog_ = std::make_unique<RequestWatchdog>();
    stop_.reset();
    thread_ = std::thread([this] { run(); });
    return Status::success();
}

void BusPoller::request_stop() {
    stop_.stop();
}

void BusPoller::stop() {
    request_stop();
    if (thread_.joinable()) thread_.join();
    link_.reset();
}

std::vector<DeviceCounters> BusPoller::counters() const {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    return counters_;
}

bool BusPoller::pause(int64_t ms) {
    return stop_.sleep_for(clock_, ms);
}

// The thread sleeps until the schedule's next due time on the Clock; stop()
// wakes it at once.
void BusPoller::run() {
    while (!stop_.stopping()) {
        if (!link_->ctx.connected() && !connect_bus()) continue;
        poll_due();
        if (!link_->ctx.connected()) continue;
        stop_.sleep_until(clock_, schedule_->next_wake(clock_.mono_ms()));
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
        stop_.sleep_until(clock_, schedule_->link_failed(clock_.mono_ms()));
        return false;
    }
    if (ever_connected_)
        log_.info("modbus", "reconnected", {{"bus", bus_}});
    else
        log_.info("modbus", "connected", {{"bus", bus_}});
    ever_connected_ = true;
    schedule_->link_up();
    return wait_after_connect();
}

// A gateway still setting up behind a fresh connection loses what comes too
// early: connect_pause_ms after every connect (a retry's reconnect in
// read_block too).
bool BusPoller::wait_after_connect() {
    return pause(connect_pause_ms_);
}

// Each device and block is judged at the time it comes up: after a device
// that took seconds to fail, a time taken once before it marked the next
// devices polled back then, due again at once, and they were asked twice
// back to back.
void BusPoller::poll_due() {
    for (auto& d : devices_) {
        if (stop_.stopping() || !link_->ctx.connected()) return;
        if (!schedule_->ready(d.index, clock_.mono_ms())) continue;
        poll_device(d);
    }
}

// Polls every due block of one device. A block that fails before the
// device has answered in this turn ends the turn: the device is offline (or
// the link is down) and is backed off, and its next turn starts after that
// block. One that fails after the device answered fails alone: backed off on
// its own while the device's other blocks are read on time (a firmware that
// stays silent on registers it lacks used to hide every block after them,
// and flip the device offline and online at each poll).
void BusPoller::poll_device(Device& d) {
    std::vector<Sample> samples;
    bool answered = false;
    const size_t n = d.blocks.size();
    for (size_t k = 0; k < n; ++k) {
        const size_t b = (d.first_block + k) % n;
        const int64_t now = clock_.mono_ms();
        if (!schedule_->due(d.index, b, now)) continue;
        schedule_->polled(d.index, b, now);
        // A block already failing alone fails alone again while the device
        // is online, even when its backoff has it asked before the others.
        const bool alone = answered || (d.online && schedule_->failing_alone(d.index, b));
        const Outcome r = read_block(d, b, samples, alone);
        if (r == Outcome::stopped) break;
        if (r == Outcome::block_failed) {
            schedule_->block_failed(d.index, b);
        } else if (r != Outcome::ok && r != Outcome::refused) {
            if (!samples.empty()) sink_.on_samples(samples);
            schedule_->failed(d.index, clock_.mono_ms());
            d.first_block = (b + 1) % n;
            // A failed request is still a request: a device that needs its
            // pause (one that answered late, say) gets it before the next
            // device's request goes out on the bus.
            if (r == Outcome::failed && d.cfg.pause_ms > 0) (void)pause(d.cfg.pause_ms);
            return;
        } else {
            answered = true;
        }
        // Stopping ends the device's turn here: at most one request after
        // stop() (a slow RTU device's remaining blocks took seconds). A
        // refused or failed block was a request too: the device needs its pause.
        if (stop_.stopping() || (d.cfg.pause_ms > 0 && !pause(d.cfg.pause_ms))) break;
    }
    if (!samples.empty()) sink_.on_samples(samples);
}

BusPoller::Outcome BusPoller::read_block(Device& d, size_t b, std::vector<Sample>& out,
                                         bool fails_alone) {
    const ReadBlock& block = d.blocks[b];
    ReadBuffers answer;
    Context& ctx = link_->ctx;
    if (Status s = ctx.set_slave(d.cfg.slave); !s) {
        count(d.index, [&](DeviceCounters& c) {  // no request went out
            c.protocol_errors++;
            c.last_error = s.error();
        });
        report_failure(d, s.error(), out);
        return Outcome::not_sent;
    }
    ctx.set_timeout_ms(d.cfg.timeout_ms);
    std::string error;
    for (int attempt = 0; attempt <= d.cfg.retries; ++attempt) {
        if (attempt > 0 && !pause(retry_pause_ms(d.cfg, attempt))) return Outcome::stopped;
        if (!ctx.connected()) {
            Status st = ctx.connect();
            if (!st) {
                count(d.index, [](DeviceCounters& c) { c.connection_errors++; });
                report_failure(d, "reconnect: " + st.error(), out);
                return Outcome::link_down;
            }
            if (!wait_after_connect()) return Outcome::stopped;
            (void)ctx.set_slave(d.cfg.slave);  // checked above
            ctx.set_timeout_ms(d.cfg.timeout_ms);
        }
        // Nothing left on the line from before (noise, an answer later than
        // the wait below) is read as this request's answer.
        if (!ctx.is_tcp()) ctx.flush();
        const int64_t t0_us = clock_.mono_us();
        errno = 0;
        // The whole answer within twice the timeout: the first byte within
        // it, the rest within as long again (see RequestWatchdog), plus the
        // time its bytes take on a serial line.
        const int deadline_ms = 2 * d.cfg.timeout_ms + wire_ms(d.cfg, block);
        if (watchdog_) watchdog_->arm(ctx.fd(), deadline_ms);
        int rc = ctx.read(block.table, block.start, block.count, answer);
        int err = errno;
        // Cut by the watchdog (it shut the socket down): a timeout like any
        // other, whatever libmodbus made of the half-read answer.
        const bool cut = watchdog_ && watchdog_->disarm();
        if (cut) {
            rc = -1;
            err = ETIMEDOUT;
        }
        if (rc == block.count) {
            take_answer(d, b, answer, clock_.mono_us() - t0_us, out);
            schedule_->answered(d.index);
            schedule_->block_answered(d.index, b);
            return Outcome::ok;
        }
        const Failure f = rc >= 0 ? Failure::protocol : classify_errno(err);
        if (cut)
            error = "answer not complete within " + std::to_string(deadline_ms) + " ms" +
                    (ctx.is_tcp() ? std::string()
                                  : " (2 x timeout_ms and " +
                                        std::to_string(deadline_ms - 2 * d.cfg.timeout_ms) +
                                        " ms on the line)");
        else if (rc >= 0)
            error = "short response: " + std::to_string(rc) + " of " + std::to_string(block.count);
        else
            error = error_text(err);
        count_failure(d, f, error);
        // Whatever is left of a bad or late frame must not be read as the
        // next answer (the retry's or the next block's).
        if (!settle_after_failure(ctx, d.cfg, f, cut, [this](int64_t ms) { return pause(ms); }))
            return Outcome::stopped;
        if (f == Failure::exception) {
            // The device answered: asking again won't help, and its other
            // blocks are fine to read.
            report_refusal(d, b, error);
            return Outcome::refused;
        }
    }
    if (fails_alone) {
        // On TCP the link was closed after the timeout: the next block's
        // request connects again, and a link truly down fails the device there.
        report_block_failure(d, b, error);
        return Outcome::block_failed;
    }
    report_failure(d, error, out);
    return ctx.connected() ? Outcome::failed : Outcome::link_down;
}

// An answer in full: counted, decoded, remembered as the points' last good
// values and added to `out`.
void BusPoller::take_answer(Device& d, size_t b, const ReadBuffers& answer, int64_t took_us,
                            std::vector<Sample>& out) {
    const ReadBlock& block = d.blocks[b];
    const double ms = static_cast<double>(took_us) / 1000.0;
    const int64_t wall = clock_.now_ms();
    count(d.index, [&](DeviceCounters& c) {
        c.requests++;
        c.responses++;
        c.latency_avg_ms += (ms - c.latency_avg_ms) / static_cast<double>(c.responses);
        c.latency_max_ms = std::max(c.latency_max_ms, ms);
        c.online = true;
        c.last_ok_ms = wall;
    });
    auto samples = decode_block(block, answer.regs.data(), answer.bits.data(), wall);
    const int64_t mono = clock_.mono_ms();
    // Stale for three poll intervals plus the time one failed poll
    // (every retry timing out) takes; comm_fail after that.
    const int64_t stale_ms = 3LL * block.poll_ms + d.failed_poll_ms;
    // Only a good value is one to fall back on: an out-of-range reading (a
    // float NaN arrives as 0) repeated as `stale` read as a plain value.
    for (const auto& s : samples)
        if (s.quality == Quality::good) d.last_good[s.point] = {s.value, mono, stale_ms};
    out.insert(out.end(), samples.begin(), samples.end());
    if (!d.online) log_.info("modbus", "device online", {{"device", d.cfg.id}, {"bus", bus_}});
    d.online = true;
    // Before block_answered(): the schedule still says whether it was failing.
    if (schedule_->failing_alone(d.index, b))
        log_.info("modbus", "block answered again", {{"device", d.cfg.id}, {"block", what(block)}});
}

// One failed request, counted by its kind.
void BusPoller::count_failure(const Device& d, Failure f, const std::string& error) {
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
            case Failure::busy:
            case Failure::unreachable:
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
}

// A device that did not answer (or whose link is down): offline, every
// point reported with its last known value.
// `read_now`: samples of this poll's earlier blocks. Their points were just
// read: reported stale too (and after them, at a later time) they flapped.
void BusPoller::report_failure(Device& d, const std::string& why,
                               const std::vector<Sample>& read_now) {
    count(d.index, [&](DeviceCounters& c) {
        c.polls_failed++;
        c.online = false;
        c.last_error = why;
    });
    if (d.online)
        log_.warn("modbus", "device offline",
                  {{"device", d.cfg.id}, {"bus", bus_}, {"error", why}});
    d.online = false;
    std::vector<PointConfig> points;
    for (const auto& block : d.blocks)
        for (const auto& p : block.points)
            if (std::none_of(read_now.begin(), read_now.end(),
                             [&](const Sample& s) { return s.point == p.id; }))
                points.push_back(p);
    send_last_known(d, points);
}

// One block refused (an exception reply): only its points are reported, the
// device stays online. Reporting all of them made a device with one bad
// address flip its healthy points between good and stale at every poll.
void BusPoller::report_refusal(Device& d, size_t block, const std::string& why) {
    count(d.index, [&](DeviceCounters& c) {
        c.polls_failed++;
        c.online = true;  // it answered
        c.last_error = why;
    });
    send_last_known(d, d.blocks[block].points);
}

// One block failed while the device answers its others: only its points
// are reported, the device stays online, and the block's failing is logged
// when it begins (its retries are counted).
void BusPoller::report_block_failure(Device& d, size_t b, const std::string& why) {
    count(d.index, [&](DeviceCounters& c) {
        c.polls_failed++;
        c.online = true;  // it answered this turn
        c.last_error = why;
    });
    // Before block_failed(): the schedule says whether it was failing already.
    if (!schedule_->failing_alone(d.index, b))
        log_.warn("modbus", "block not answered while the device answers others",
                  {{"device", d.cfg.id}, {"block", what(d.blocks[b])}, {"error", why}});
    send_last_known(d, d.blocks[b].points);
}

// `stale` with the last good value while it is younger than three poll
// intervals plus one failed poll's retries, else `comm_fail` (with the last
// value, or 0 if none).
void BusPoller::send_last_known(const Device& d, const std::vector<PointConfig>& points) {
    const int64_t wall = clock_.now_ms();
    const int64_t mono = clock_.mono_ms();
    std::vector<Sample> samples;
    for (const auto& p : points) {
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
    if (!samples.empty()) sink_.on_samples(samples);
}

ModbusDriver::ModbusDriver(const std::vector<DeviceConfig>& devices,
                           const std::vector<PointConfig>& points, SampleSink& sink,
                           const Clock& clock, Log& log, const ModeView* mode) {
    std::map<std::string, std::vector<DeviceConfig>> by_bus;
    std::vector<std::string> order;
    for (const auto& d : devices) {
        if (!by_bus.count(d.bus())) order.push_back(d.bus());
        by_bus[d.bus()].push_back(d);
    }
    for (const auto& bus : order)
        buses_.push_back(std::make_unique<BusPoller>(by_bus[bus], points, sink, clock, log, mode));
}

Status ModbusDriver::start() {
    for (auto& b : buses_) {
        Status st = b->start();
        if (!st) return fail("modbus bus " + b->bus() + ": " + st.error());
    }
    return Status::success();
}

// Every bus is told first: told one after another, each went on polling
// (a new request of up to timeout_ms) until the one before it had joined,
// and shutdown took the sum of the buses' requests rather than the longest.
void ModbusDriver::stop() {
    for (auto& b : buses_) b->request_stop();
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
