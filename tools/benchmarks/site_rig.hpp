#pragma once
// A whole site for the end-to-end benchmarks (latency, idle): the release
// gatewayd as a child process, its config made from the shipped example,
// and the district center as a Paho subscriber that stamps every message's
// arrival on the host's wall clock (the clock sitesim's set_now uses).
#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "scenario.hpp"
#include "support/process.hpp"

namespace mqtt {
class async_client;
}

namespace gw::bench {

// Microseconds of CLOCK_REALTIME: comparable across processes on one host.
int64_t now_us();

struct Arrival {
    int64_t t_us = 0;
    std::string topic;
    std::string payload;
};

// One MQTT connection of the center. The broker keeps one queue per client,
// in order: an alarm behind thousands of telemetry messages to the same
// client waits for them, so a center that wants alarms fast subscribes to
// events on a connection of their own (as the latency bench does).
class Center {
  public:
    Center(const std::string& uri, const std::string& filter,
           const std::string& client_id = "bench-center");
    ~Center();
    Center(const Center&) = delete;
    Center& operator=(const Center&) = delete;

    // Takes arrivals in order until one satisfies `want`, and returns it;
    // those before it go to `skipped` (if given) and are dropped. Nothing
    // within timeout_ms: nullopt.
    std::optional<Arrival> next(const std::function<bool(const Arrival&)>& want, int timeout_ms,
                                const std::function<void(const Arrival&)>& skipped = nullptr);
    uint64_t received() const;

  private:
    class Callback;
    void push(Arrival a);

    std::unique_ptr<Callback> callback_;
    std::unique_ptr<mqtt::async_client> client_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Arrival> arrivals_;
    uint64_t received_ = 0;
};

// The event type, state and ts (ms, the time of the sample that raised it)
// of an event message (empty if it is not one).
struct EventHead {
    std::string type, state;
    int64_t ts_ms = 0;
};
EventHead event_head(const Arrival& a);
bool is_telemetry(const Arrival& a);

struct SiteOptions {
    std::string dir;     // data_dir, control socket
    std::string broker;  // tcp://127.0.0.1:PORT
    int modbus_port = 0;
    bool camera = false;         // keep the example's camera and its vision detectors
    std::string mode;            // [gateway] mode, when set
    int fire_panel_poll_ms = 0;  // when > 0: the fire panel's poll interval
    int fire_panel_poll_ms_emergency = 0;  // when > 0: and its emergency one
    bool instant_fire = false;   // fire-1: no raise or clear hold, no rate of rise
    std::string log_level = "warn";
};

// The shipped gateway.example.toml pointed at this site. Throws on a
// change in the example that the edits no longer match.
std::string example_config(const SiteOptions& o);

// The shipped normal-day scenario, whole (idle) or only its t_s = 0 values:
// the site at rest, for a benchmark that changes values itself (latency).
gw::sitesim::Scenario normal_day(bool at_rest_only);

// The gatewayd of this build (GW_BENCH_GATEWAYD=PATH: another one), running `config`.
class Gatewayd {
  public:
    Gatewayd(const std::string& config, const std::string& dir, const std::string& name);
    ~Gatewayd();
    // Waits for its "ready" log line; false (with its stderr) on failure.
    bool ready(int timeout_ms, std::string& why) const;
    pid_t pid() const { return proc_->pid(); }
    // SIGTERM and wait; the exit code.
    int stop();

  private:
    std::unique_ptr<gw::test::Process> proc_;
};

}  // namespace gw::bench
