// The watchdog feeder against systemd's end of sd_notify: it pings while
// the threads it watches beat, however long the main loop waits on a slow
// disk, and stops once one of them is silent past the stall limit.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/heartbeat.hpp"
#include "core/liveness.hpp"
#include "core/log.hpp"
#include "service_notify.hpp"
#include "support/notify_socket.hpp"
#include "support/temp_dir.hpp"
#include "watchdog_feeder.hpp"

#include <CppUTest/TestHarness.h>

namespace {
constexpr const char* kPing = "WATCHDOG=1";
}

TEST_GROUP(WatchdogFeeder){};

// A thread that beats every 100 ms while `on`, as a worker's loop does.
class Beating {
  public:
    Beating(gw::Heartbeat& beat, gw::Clock& clock)
        : thread_([&] {
              while (!stop_) {
                  if (on_) beat.beat(clock.mono_ms());
                  std::this_thread::sleep_for(std::chrono::milliseconds(on_ ? 100 : 20));
              }
          }) {}
    ~Beating() {
        stop_ = true;
        thread_.join();
    }
    void set(bool on) { on_ = on; }

  private:
    std::atomic<bool> on_{true}, stop_{false};
    std::thread thread_;
};

TEST(WatchdogFeeder, PingsWhileTheWatchedBeatAndStarvesWhileOneIsSilent) {
    gw::test::TempDir dir;
    gw::test::NotifySocket systemd(dir.file("notify"), 400000);  // WatchdogSec 0.4 s
    gw::ServiceNotifier notifier;                                // a ping every 0.2 s
    LONGS_EQUAL(200, notifier.interval_ms());
    const std::string log_path = dir.file("log");
    std::FILE* log_file = std::fopen(log_path.c_str(), "w");
    CHECK(log_file != nullptr);
    gw::Log log(gw::LogLevel::info, log_file);
    gw::SystemClock clock;
    gw::Heartbeat worker;
    auto stall_logged = [&] {
        std::fflush(log_file);
        return gw::test::read_file(log_path).find("has stalled") != std::string::npos;
    };
    {
        Beating beating(worker, clock);
        gw::WatchdogFeeder feeder(
            notifier, gw::Liveness({{"test.worker", &worker}}, 2000, clock.mono_ms()), clock, log);
        // Fed on its own: nothing else here pings.
        LONGS_EQUAL(3, systemd.wait_for(kPing, 3, 10000));
        // Silent past the limit: the stall is logged, and pings stop.
        beating.set(false);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!stall_logged() && std::chrono::steady_clock::now() < deadline)
            systemd.wait_for(kPing, 1000, 100);  // drains the pings before it
        CHECK(stall_logged());
        systemd.wait_for(kPing, 1000, 300);  // one sent as the stall began
        LONGS_EQUAL(0, systemd.wait_for(kPing, 1, 1500));
        // Beating again: fed again.
        beating.set(true);
        LONGS_EQUAL(1, systemd.wait_for(kPing, 1, 10000));
    }
    std::fclose(log_file);
    const std::string text = gw::test::read_file(log_path);
    const auto first = text.find("a worker thread has stalled");
    CHECK_TEXT(first != std::string::npos, text.c_str());
    CHECK_TEXT(text.find("a worker thread has stalled", first + 1) == std::string::npos,
               text.c_str());
    STRCMP_CONTAINS("part=test.worker", text.c_str());
    STRCMP_CONTAINS("stalled part is running again, watchdog fed", text.c_str());
}

// A reload rebuilds the parts in the same process while systemd's watchdog
// runs on; nothing beat then, and a store check longer than WatchdogSec got
// the gateway killed mid-reload. The rebuild is fed, up to its limit.
TEST(WatchdogFeeder, ARebuildIsFedUpToItsLimit) {
    gw::test::TempDir dir;
    gw::test::NotifySocket systemd(dir.file("notify"), 400000);  // a ping every 0.2 s
    std::FILE* log_file = std::fopen(dir.file("log").c_str(), "w");
    CHECK(log_file != nullptr);
    gw::Log log(gw::LogLevel::info, log_file);
    gw::SystemClock clock;
    {
        gw::RebuildFeeder fed(clock, log, 1500);
        LONGS_EQUAL(3, systemd.wait_for(kPing, 3, 10000));
        // Past the limit: a hung rebuild, no more pings.
        std::this_thread::sleep_for(std::chrono::milliseconds(1600));
        systemd.wait_for(kPing, 1000, 100);  // drains those sent before
        LONGS_EQUAL(0, systemd.wait_for(kPing, 1, 1500));
    }
    std::fclose(log_file);
    STRCMP_CONTAINS("part=daemon.reload", gw::test::read_file(dir.file("log")).c_str());
}
