// The watchdog feeder against systemd's end of sd_notify: it pings while
// the threads it watches beat, however long the main loop waits on a slow
// disk, and stops once one of them is silent past the stall limit.
#include <cstdio>
#include <cstdlib>
#include <string>

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

TEST(WatchdogFeeder, PingsWhileTheWatchedBeatAndStarvesWhileOneIsSilent) {
    gw::test::TempDir dir;
    gw::test::NotifySocket systemd(dir.file("notify"), 400000);  // WatchdogSec 0.4 s
    gw::ServiceNotifier notifier;                                // a ping every 0.2 s
    LONGS_EQUAL(200, notifier.interval_ms());
    std::FILE* log_file = std::fopen(dir.file("log").c_str(), "w");
    CHECK(log_file != nullptr);
    gw::Log log(gw::LogLevel::info, log_file);
    gw::SystemClock clock;
    gw::Heartbeat worker;
    worker.beat(clock.mono_ms());
    constexpr int64_t kLimitMs = 1500;
    {
        gw::WatchdogFeeder feeder(
            notifier, gw::Liveness({{"test.worker", &worker}}, kLimitMs, clock.mono_ms()), clock,
            log);
        // Fed on its own: nothing else here pings.
        LONGS_EQUAL(3, systemd.wait_for(kPing, 3, 5000));
        // Silent past the limit: pings stop, and the stall is logged once.
        while (clock.mono_ms() - worker.last_ms() < kLimitMs + 1200)
            systemd.wait_for(kPing, 100, 100);
        LONGS_EQUAL(0, systemd.wait_for(kPing, 1, 1500));
        // Beating again: fed again.
        worker.beat(clock.mono_ms());
        LONGS_EQUAL(1, systemd.wait_for(kPing, 1, 5000));
    }
    std::fclose(log_file);
    const std::string text = gw::test::read_file(dir.file("log"));
    const auto first = text.find("a worker thread has stalled");
    CHECK_TEXT(first != std::string::npos, text.c_str());
    CHECK_TEXT(text.find("a worker thread has stalled", first + 1) == std::string::npos,
               text.c_str());
    STRCMP_CONTAINS("test.worker", text.c_str());
    STRCMP_CONTAINS("stalled part is running again, watchdog fed", text.c_str());
}
