// The benchmarks run and print their keys (tiny sizes, this build's
// binaries). Nothing here times anything: figures come from tools/bench on
// the release build.
#include <string>
#include <vector>

#include "support/process.hpp"

#include <CppUTest/TestHarness.h>

namespace {

std::string bench(const std::string& name) {
    return std::string(GW_BENCH_DIR) + "/gw-bench-" + name;
}

void expect_keys(const gw::test::RunResult& r, const std::vector<std::string>& keys) {
    CHECK_EQUAL_TEXT(0, r.code, r.err.c_str());
    for (const auto& k : keys) {
        const std::string line = "\n" + k + " ";
        CHECK_TEXT(("\n" + r.out).find(line) != std::string::npos,
                   (k + " missing in:\n" + r.out).c_str());
    }
}

}  // namespace

TEST_GROUP(BenchSmoke){};

TEST(BenchSmoke, UplinkPrintsItsPairsAndBaseline) {
    auto r = gw::test::run(
        {bench("uplink"), "--pairs", "1", "--backlog", "300", "--windows", "10,100"}, 240000);
    expect_keys(r, {"uplink.drain_acked_per_s", "uplink.raw_paho_acked_per_s", "uplink.ratio",
                    "uplink.ratio_min", "uplink.ratio_max", "uplink.raw_paho_w10_acked_per_s",
                    "uplink.raw_paho_window", "uplink.rows_left_after_drain",
                    "uplink.drain_rss_growth_mb", "uplink.loadavg_end"});
}

TEST(BenchSmoke, StorePrintsItsPairsAndBaseline) {
    auto r = gw::test::run({bench("store"), "--pairs", "1", "--events", "1000", "--batches", "500"},
                           240000);
    expect_keys(r, {"store.ingest_per_s", "store.raw_sqlite_per_s", "store.ratio",
                    "store.raw_sqlite_batch", "store.bytes_written_per_event"});
}

TEST(BenchSmoke, LatencyMeasuresAlarmsThroughTheDaemon) {
    auto r = gw::test::run({bench("latency"), "--alarms", "2", "--poll-ms", "200"}, 240000);
    expect_keys(r, {"latency.poll_ms", "latency.alarms", "latency.p50_ms", "latency.p99_ms",
                    "latency.max_ms", "latency.missed"});
    CHECK(r.out.find("latency.alarms 2.00 alarms") != std::string::npos);
}

TEST(BenchSmoke, LatencyWithABacklogKeepsEveryRow) {
    auto r = gw::test::run(
        {bench("latency"), "--alarms", "1", "--poll-ms", "200", "--backlog", "200"}, 240000);
    expect_keys(r, {"latency.backlog.p99_ms", "latency.backlog.rows_behind_alarm_median",
                    "latency.backlog.backlog_rows"});
}

TEST(BenchSmoke, IdleReadsTheDaemonsProc) {
    auto r = gw::test::run({bench("idle"), "--seconds", "2", "--warmup", "1", "--variant", "nocam"},
                           240000);
    expect_keys(r, {"idle.nocam.cpu_pct", "idle.nocam.rss_mb", "idle.nocam.disk_write_kb_per_min",
                    "idle.nocam.wakeups_per_s", "idle.nocam.threads"});
}

TEST(BenchSmoke, FleetDeliversEveryEventOfItsGateways) {
    auto r = gw::test::run(
        {bench("fleet"), "--gateways", "5", "--seconds", "5", "--speedup", "20", "--drain-s", "60"},
        240000);
    expect_keys(
        r, {"fleet.mosquitto.n5.delivered_per_s", "fleet.mosquitto.n5.latency_p50_ms",
            "fleet.mosquitto.n5.latency_p99_ms", "fleet.mosquitto.n5.cpu_pct_per_gateway",
            "fleet.mosquitto.n5.rss_mb_per_gateway", "fleet.mosquitto.n5.lost",
            "fleet.mosquitto.n5.duplicates", "fleet.loadavg_end", "fleet.gateways", "fleet.lost"});
    CHECK(r.out.find("\nfleet.gateways 5.00 gateways") != std::string::npos);
    CHECK(r.out.find("\nfleet.lost 0.00 events") != std::string::npos);
    CHECK(r.out.find("\nfleet.mosquitto.n5.telemetry_lost 0.00 batches") != std::string::npos);
    // Something was carried: at 20x, 5 gateways send a batch every 0.5 s each.
    CHECK(r.out.find("\nfleet.mosquitto.n5.telemetry 0.00 ") == std::string::npos);
}
