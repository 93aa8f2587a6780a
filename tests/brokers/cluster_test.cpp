// A district's clustered broker: three RabbitMQ nodes on loopback behind the
// gateway's broker list. The center is subscribed (persistent session) on
// node 3; gatewayd starts on node 1, which is killed with SIGKILL mid-run,
// then node 2 it moved to: the gateway moves on to a live node each time and
// the center receives every accepted event (at least once: counted by id).
// The cluster runs with the session-mirroring policy docs/deployment.md
// prescribes.
#include <signal.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "gateway_site.hpp"
#include "interop.hpp"
#include "support/rabbitmq.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw::test;

namespace {

// Injects an alarm every 50 ms on its own thread, collecting the ids the
// daemon acknowledged (durable); the daemon stays up throughout.
class Injector {
  public:
    explicit Injector(GatewaySite& site) : site_(site), thread_([this] { run(); }) {}
    ~Injector() { stop(); }
    void stop() {
        done_ = true;
        if (thread_.joinable()) thread_.join();
    }
    std::vector<std::string> ids() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return ids_;
    }
    std::string error() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return error_;
    }

  private:
    void run() {
        while (!done_) {
            try {
                auto id = site_.inject("failover");
                std::lock_guard<std::mutex> lock(mutex_);
                ids_.push_back(id);
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> lock(mutex_);
                error_ = e.what();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    GatewaySite& site_;
    mutable std::mutex mutex_;
    std::vector<std::string> ids_;
    std::string error_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

bool connected_to(GatewaySite& site, const std::string& uri) {
    auto s = site.status();
    return s["broker"]["connected"].get<bool>() && s["broker"]["uri"].get<std::string>() == uri;
}

// Waits until the gateway is on `uri` and an event accepted from now on
// has reached the center through it.
bool delivers_through(GatewaySite& site, Subscriber& center, Injector& injector,
                      const std::string& uri) {
    if (!wait_for([&] { return connected_to(site, uri); }, kDeliveryWaitMs)) return false;
    const size_t from = injector.ids().size();
    if (!wait_for([&] { return injector.ids().size() > from; }, 60000)) return false;
    const std::string probe = injector.ids()[from];
    return center.wait_until([&](const auto& m) { return missing_ids(m, {probe}).empty(); },
                             kDeliveryWaitMs);
}

}  // namespace

TEST_GROUP(RabbitCluster) {
    TempDir dir;
};

TEST(RabbitCluster, GatewayFailsOverTwiceAndTheCenterGetsEveryEvent) {
    if (!rabbitmq_installed()) return skip("rabbitmq-server is not installed (tools/setup)");
    RabbitCluster cluster(dir.path(), 3);
    cluster.start();
    cluster.mirror_mqtt_sessions();
    auto center = std::make_unique<Subscriber>(cluster.node(2).uri(), "center", "city/#");
    CHECK(center->ready(60000));
    SiteOptions o{cluster.uris()};
    o.sensors = o.camera = false;
    GatewaySite site(dir, o);
    Injector injector(site);

    CHECK_TEXT(delivers_through(site, *center, injector, cluster.node(0).uri()),
               ("not delivering through node 1; gatewayd:\n" + site.log()).c_str());
    cluster.node(0).stop(SIGKILL);
    CHECK_TEXT(delivers_through(site, *center, injector, cluster.node(1).uri()),
               ("no failover to node 2; gatewayd:\n" + site.log()).c_str());
    cluster.node(1).stop(SIGKILL);
    CHECK_TEXT(delivers_through(site, *center, injector, cluster.node(2).uri()),
               ("no failover to node 3; gatewayd:\n" + site.log()).c_str());
    // The retained store is per node in 3.10: the node the gateway is on now
    // holds its fresh birth message.
    CHECK(
        late_subscriber_sees(cluster.node(2).uri(), "late-center", site.base() + "/status", true));

    injector.stop();
    STRCMP_EQUAL("", injector.error().c_str());
    const auto ids = injector.ids();
    auto all = [&] { return center->messages(); };
    CHECK_TEXT(wait_for([&] { return missing_ids(all(), ids).empty(); }, kDeliveryWaitMs),
               ("events lost: " + std::to_string(missing_ids(all(), ids).size()) + " of " +
                std::to_string(ids.size()))
                   .c_str());
    size_t events = 0;
    for (const auto& m : all()) events += ends_with(m.topic, "/event");
    UT_PRINT(("accepted " + std::to_string(ids.size()) +
              " events over 2 node kills; the center "
              "received all of them in " +
              std::to_string(events) + " messages (a repeat is a resend after a node died)")
                 .c_str());
}
