#include "pipeline/telemetry_reporter.hpp"

#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using namespace gw;

namespace {

PointConfig point(const std::string& id, int report_ms, double deadband) {
    PointConfig p;
    p.id = id;
    p.report_ms = report_ms;
    p.deadband = deadband;
    return p;
}

Sample sample(const std::string& point, double v, int64_t t, Quality q = Quality::good) {
    return Sample{point, v, q, t};
}

size_t total(const std::vector<TelemetryBatch>& batches) {
    size_t n = 0;
    for (auto& b : batches) n += b.samples.size();
    return n;
}

}  // namespace

TEST_GROUP(TelemetryReporter){};

TEST(TelemetryReporter, QuietSiteSendsOnlyHeartbeats) {
    // 13 points polled every second for an hour, values only jitter inside
    // their deadbands: each point goes out once a minute, not once a second.
    std::vector<PointConfig> points;
    for (int i = 0; i < 13; ++i) points.push_back(point("p" + std::to_string(i), 60000, 1.0));
    TelemetryReporter r(points, 200, 5000);
    size_t sent = 0;
    for (int64_t t = 0; t < 3600 * 1000; t += 1000) {
        std::vector<Sample> poll;
        for (int i = 0; i < 13; ++i)
            poll.push_back(sample("p" + std::to_string(i), 20.0 + (t / 1000 % 3) * 0.3, t));
        sent += total(r.on_samples(poll));
    }
    sent += total(r.flush());
    LONGS_EQUAL(13 * 3600, r.stats().seen);
    LONGS_EQUAL(13 * 60, sent);  // one per point per minute
    LONGS_EQUAL(sent, r.stats().reported);
}

TEST(TelemetryReporter, ChangesBeyondDeadbandAreReportedAtOnce) {
    TelemetryReporter r({point("depth", 60000, 1.0)}, 1, 5000);
    LONGS_EQUAL(1, total(r.on_samples({sample("depth", 10.0, 0)})));
    LONGS_EQUAL(0, total(r.on_samples({sample("depth", 10.9, 1000)})));
    LONGS_EQUAL(1, total(r.on_samples({sample("depth", 11.2, 2000)})));  // 1.2 from last reported
    LONGS_EQUAL(0, total(r.on_samples({sample("depth", 10.5, 3000)})));  // 0.7 from 11.2
}

TEST(TelemetryReporter, ZeroDeadbandReportsEveryChangeOnly) {
    TelemetryReporter r({point("door", 60000, 0.0)}, 1, 5000);
    LONGS_EQUAL(1, total(r.on_samples({sample("door", 0, 0)})));
    LONGS_EQUAL(0, total(r.on_samples({sample("door", 0, 500)})));
    LONGS_EQUAL(1, total(r.on_samples({sample("door", 1, 1000)})));
}

TEST(TelemetryReporter, QualityChangesAreAlwaysReported) {
    TelemetryReporter r({point("t", 60000, 5.0)}, 1, 5000);
    LONGS_EQUAL(1, total(r.on_samples({sample("t", 20, 0)})));
    auto b = r.on_samples({sample("t", 20, 1000, Quality::comm_fail)});
    LONGS_EQUAL(1, total(b));
    CHECK(b[0].samples[0].quality == Quality::comm_fail);
    LONGS_EQUAL(0, total(r.on_samples({sample("t", 20, 2000, Quality::comm_fail)})));
    LONGS_EQUAL(1, total(r.on_samples({sample("t", 20, 3000)})));
}

TEST(TelemetryReporter, BatchesCloseWhenFullOrOld) {
    TelemetryReporter r({}, 3, 5000);  // unknown points: default policy
    auto b =
        r.on_samples({sample("a", 1, 0), sample("b", 1, 0), sample("c", 1, 0), sample("d", 1, 0)});
    LONGS_EQUAL(1, b.size());
    LONGS_EQUAL(3, b[0].samples.size());
    CHECK(r.on_samples({sample("e", 1, 4000)}).empty());
    auto late = r.on_samples({sample("f", 1, 5000)});  // "d" has waited 5 s
    LONGS_EQUAL(1, late.size());
    LONGS_EQUAL(2, late[0].samples.size());
    LONGS_EQUAL(1, total(r.flush()));
    CHECK(r.flush().empty());
}

// The wall clock steps back an hour under a steady flow of samples: the
// open batch closes a window later, not when the clock has caught up again
// or the batch is full.
TEST(TelemetryReporter, ABatchStillClosesAfterTheClockSteppedBack) {
    TelemetryReporter r({point("p", 60000, 0.0)}, 5000, 1000);
    CHECK(r.on_samples({sample("p", 1, 3'600'000)}).empty());  // opens a batch
    size_t sent = 0;
    for (int64_t t = 0; t < 3000; t += 100)
        sent += total(r.on_samples({sample("p", double(t), t)}));
    CHECK(sent >= 1);
    // A sample read seconds before the batch opened (a slow Modbus turn)
    // is no step: it joins the batch rather than splitting it.
    TelemetryReporter late({point("p", 60000, 0.0), point("q", 60000, 0.0)}, 5000, 1000);
    CHECK(late.on_samples({sample("p", 1, 100'000)}).empty());
    CHECK(late.on_samples({sample("q", 1, 95'000)}).empty());
    LONGS_EQUAL(2, total(late.flush()));
}
