#pragma once
// Modbus polling: one BusPoller per bus (a TCP host:port or a serial line),
// owning the bus's libmodbus context on its own thread. The devices on a bus
// are polled in turn; a device that fails is backed off so it never stalls
// the others. When to poll comes from a PollSchedule on the injected Clock.
// Samples go to a SampleSink; counters are readable from any thread.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/stop_signal.hpp"
#include "config/device_config.hpp"
#include "config/point_config.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/mode.hpp"
#include "core/result.hpp"
#include "core/sinks.hpp"
#include "poll_schedule.hpp"
#include "request_watchdog.hpp"

namespace gw::modbus {

struct ReadBlock;
struct ReadBuffers;
enum class Failure;

// Per device, since the poller started. Read with BusPoller::counters().
struct DeviceCounters {
    std::string device;
    std::string bus;
    uint64_t requests = 0;           // requests sent, retries included
    uint64_t responses = 0;          // valid responses
    uint64_t timeouts = 0;           // no (complete) answer in timeout_ms
    uint64_t crc_errors = 0;         // RTU frames with a bad CRC
    uint64_t protocol_errors = 0;    // wrong slave, wrong length, bad data
    uint64_t exceptions = 0;         // Modbus exception responses
    uint64_t connection_errors = 0;  // connect failures and broken links
    uint64_t polls_failed = 0;       // polls that failed after every retry
    double latency_avg_ms = 0.0;     // of valid responses
    double latency_max_ms = 0.0;
    bool online = false;     // the last poll succeeded
    int64_t last_ok_ms = 0;  // wall time of the last valid response
    std::string last_error;
};

class BusPoller {
  public:
    // `devices` must all have the same bus(); the first one's transport
    // settings (host/port or serial line) open the bus. `points` may hold
    // points of other devices: only this bus's are polled.
    // `mode` (may be null: always normal) is asked at every poll.
    BusPoller(std::vector<DeviceConfig> devices, const std::vector<PointConfig>& points,
              SampleSink& sink, const Clock& clock, Log& log, const ModeView* mode = nullptr);
    ~BusPoller();
    BusPoller(const BusPoller&) = delete;
    BusPoller& operator=(const BusPoller&) = delete;

    // Creates the context and starts the owner thread. Connecting happens on
    // that thread (with backoff), so start() never blocks on a dead peer.
    Status start();
    // Asks the thread to stop without waiting for it.
    void request_stop();
    // Stops and joins; at most one request later (2 x timeout_ms: the watchdog).
    void stop();

    const std::string& bus() const { return bus_; }
    std::vector<DeviceCounters> counters() const;

  private:
    struct Device;
    struct Link;
    // The configured intervals of the current mode: a block's (its points'
    // poll_ms, else the device's), and the device's; the schedule asks at
    // every poll, so a change of mode is followed from the next poll on.
    class ConfiguredIntervals final : public PollIntervals {
      public:
        ConfiguredIntervals(const std::vector<Device>& devices, const ModeView* mode)
            : devices_(devices), mode_(mode) {}
        int64_t block_ms(size_t device, size_t block) const override;
        int64_t device_ms(size_t device) const override;

      private:
        const std::vector<Device>& devices_;
        const ModeView* mode_;
    };
    void run();
    bool connect_bus();
    bool wait_after_connect();  // false when stopping
    void poll_due();
    void poll_device(Device& dev);
    // refused: the device answered this block with an exception (a wrong
    // address, say); it is online and its other blocks are read as usual.
    // stopped: the poller stopped between retries; the device did not fail.
    // not_sent: failed before any request went out (a unit id libmodbus
    // refuses): the bus needs no pause after it.
    // block_failed: the block failed where it fails alone (fails_alone: the
    // device answered another block in this turn, or it is online and this
    // block is known to fail alone); the device stays online.
    enum class Outcome { ok, refused, failed, block_failed, not_sent, link_down, stopped };
    Outcome read_block(Device& dev, size_t block, std::vector<Sample>& out, bool fails_alone);
    void take_answer(Device& dev, size_t block, const ReadBuffers& answer, int64_t took_us,
                     std::vector<Sample>& out);
    void count_failure(const Device& dev, Failure f, const std::string& error);
    void report_failure(Device& dev, const std::string& why,
                        const std::vector<Sample>& read_now = {});
    void report_refusal(Device& dev, size_t block, const std::string& why);
    void report_block_failure(Device& dev, size_t block, const std::string& why);
    void send_last_known(const Device& dev, const std::vector<PointConfig>& points);
    template <typename F>
    void count(size_t device, F&& update) {
        std::lock_guard<std::mutex> lock(counters_mutex_);
        update(counters_[device]);
    }
    bool pause(int64_t ms);  // false when stopping

    std::string bus_;
    std::vector<Device> devices_;
    SampleSink& sink_;
    const Clock& clock_;
    Log& log_;
    ConfiguredIntervals intervals_;
    std::optional<PollSchedule> schedule_;  // made once devices_ is complete
    std::unique_ptr<Link> link_;
    bool ever_connected_ = false;
    int connect_pause_ms_ = 0;  // the longest of the bus's devices

    mutable std::mutex counters_mutex_;
    std::vector<DeviceCounters> counters_;

    std::unique_ptr<RequestWatchdog> watchdog_;  // cuts a request stuck past 2 x timeout_ms

    drivers::StopSignal stop_;
    std::thread thread_;
};

// Every Modbus bus of a configuration: groups devices by bus() and runs one
// BusPoller per bus. `points` may hold serial ports' points: only the
// devices' are polled.
class ModbusDriver {
  public:
    ModbusDriver(const std::vector<DeviceConfig>& devices, const std::vector<PointConfig>& points,
                 SampleSink& sink, const Clock& clock, Log& log, const ModeView* mode = nullptr);
    Status start();
    void stop();
    std::vector<DeviceCounters> counters() const;
    size_t bus_count() const { return buses_.size(); }

  private:
    std::vector<std::unique_ptr<BusPoller>> buses_;
};

}  // namespace gw::modbus
