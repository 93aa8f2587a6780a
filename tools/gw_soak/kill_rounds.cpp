#include "kill_rounds.hpp"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <random>
#include <thread>

#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace gw::soak {
namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

constexpr int kReadyTimeoutMs = 60000;

// What the broker does during one round, in ms from the round's start.
struct BrokerPlan {
    std::optional<int> up_at;    // back from the previous round's outage
    std::optional<int> down_at;  // SIGTERM: the broker saves its sessions
    std::optional<int> up_again_at;
};

// Runs the plan on its own thread; the round's kill does not wait for it.
class BrokerScript {
  public:
    BrokerScript(test::Mosquitto& broker, BrokerPlan plan)
        : thread_([this, &broker, plan, t0 = steady::now()] {
              auto at = [&](int ms) { std::this_thread::sleep_until(t0 + milliseconds(ms)); };
              auto start = [&] {
                  try {
                      broker.start();
                  } catch (const std::exception& e) {
                      errors_.push_back(std::string("broker restart: ") + e.what());
                  }
              };
              if (plan.up_at) at(*plan.up_at), start();
              if (plan.down_at) at(*plan.down_at), broker.stop(SIGTERM);
              if (plan.up_again_at) at(*plan.up_again_at), start();
          }) {}
    ~BrokerScript() { join(); }
    // Waits for the plan's end; its errors.
    std::vector<std::string> join() {
        if (thread_.joinable()) thread_.join();
        return errors_;
    }

  private:
    std::vector<std::string> errors_;
    std::thread thread_;
};

int uniform(std::mt19937& rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}

}  // namespace

KillRoundsResult run_kill_rounds(const KillRoundsOptions& o, const std::string& work) {
    KillRoundsResult r;
    const auto t0 = steady::now();
    test::Mosquitto broker(work, "broker", persistent_broker());
    broker.start();
    Center center(broker.uri());
    if (!center.ready(20000)) {
        r.failures.push_back("the center could not subscribe");
        return r;
    }
    SerialSensor sensor;
    sensor.start(o.sensor_lines_per_s);
    const GatewaySetup setup{work + "/data", broker.uri(), sensor.device()};
    const std::string config = work + "/gateway.toml";
    std::ofstream(config) << gateway_config(setup);
    const std::string socket = control_socket(setup);

    std::mt19937 rng(o.seed);
    Ledger ledger;
    bool broker_left_down = false;
    for (int round = 1; round <= o.rounds; ++round) {
        const bool outage = round % 3 == 0;
        BrokerPlan plan;
        int t = 0;
        if (broker_left_down) plan.up_at = t = uniform(rng, 0, 2000);
        if (outage) {
            plan.down_at = t = t + uniform(rng, 0, 1500);
            if (uniform(rng, 0, 1)) plan.up_again_at = t + uniform(rng, 300, 1500);
        }
        broker_left_down = outage && !plan.up_again_at;
        r.outage_rounds += outage;
        r.rounds++;
        r.starts++;

        const size_t before = ledger.accepted_count();
        test::Process gw({o.gatewayd, "-c", config}, work, "gatewayd-" + std::to_string(round));
        BrokerScript script(broker, plan);
        if (!gw.wait_for_output("msg=ready", kReadyTimeoutMs)) {
            r.failed_starts++;
            r.failures.push_back("round " + std::to_string(round) +
                                 ": gatewayd not ready: " + tail(gw.err()));
            for (auto& e : script.join()) r.failures.push_back(e);
            continue;
        }
        const int kill_after = uniform(rng, 100, o.max_kill_ms);
        {
            Injectors injectors(socket, ledger, o.injectors);
            std::this_thread::sleep_for(milliseconds(kill_after));
            if (auto st = status(socket, 1000)) {
                r.kills_with_publishes_in_flight += (*st)["broker"].value("inflight", 0) > 0;
                const auto& store = (*st)["store"];
                r.kills_with_unsent_rows +=
                    store["alarm"].value("rows", 0) + store["telemetry"].value("rows", 0) > 0;
            }
            gw.signal(SIGKILL);
            gw.wait(10000);
        }
        for (auto& e : script.join())
            r.failures.push_back("round " + std::to_string(round) + ": " + e);
        if (o.verbose)
            std::fprintf(stderr, "soak: round %d: killed %d ms after ready, %zu accepted%s\n",
                         round, kill_after, ledger.accepted_count() - before,
                         outage ? (plan.up_again_at ? ", broker down and back"
                                                    : ", broker down into the next round")
                                : "");
    }
    if (!broker.running()) broker.start();

    // The last start drains whatever the killed ones left in the store.
    test::Process gw({o.gatewayd, "-c", config}, work, "gatewayd-final");
    r.starts++;
    if (!gw.wait_for_output("msg=ready", kReadyTimeoutMs)) {
        r.failed_starts++;
        r.failures.push_back("final start: gatewayd not ready: " + tail(gw.err()));
    }
    const auto accepted = ledger.accepted_ids();
    center.wait_for(accepted, 120000 + static_cast<int>(accepted.size()) * 20);
    sensor.stop();
    gw.signal(SIGTERM);
    r.clean_stop = gw.wait(20000) == 0;
    if (!r.clean_stop) r.failures.push_back("gatewayd did not stop cleanly on SIGTERM");
    r.delivery = center.count(accepted);
    r.refusals = ledger.refusals();
    if (r.delivery.lost > 0) {
        std::string ids;
        for (const auto& id : r.delivery.lost_ids) ids += " " + id;
        r.failures.push_back(std::to_string(r.delivery.lost) + " accepted events lost:" + ids);
    }
    if (r.delivery.accepted == 0) r.failures.push_back("no event was accepted");
    r.seconds = std::chrono::duration<double>(steady::now() - t0).count();
    return r;
}

}  // namespace gw::soak
