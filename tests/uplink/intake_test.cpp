// The intake over a real store: what it makes of the store's own notices.
#include "pipeline/intake.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/event_id.hpp"
#include "core/log.hpp"
#include "store/store.hpp"
#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

// Every row of the alarm lane, oldest first.
std::vector<gw::Record> alarms(gw::Store& s) {
    s.flush();
    auto rows = s.read(gw::Lane::alarm, 0, 10000);
    CHECK(rows.ok());
    return rows.ok() ? *rows : std::vector<gw::Record>{};
}

}  // namespace

TEST_GROUP(IntakeNotices) {
    gw::test::TempDir dir;
    gw::ManualClock clock{1700000000000};
    gw::test::CapturedLog captured{gw::LogLevel::error};
    gw::Log& log = captured.log();
};

// The first alarm_rejected notice is an alarm the full lane refuses: it is
// raised again until stored, so the center learns when refusing began and
// every refusal is counted in what it gets. It was lost, and the center
// heard only of the refusals counted after it.
TEST(IntakeNotices, ANoticeTheFullStoreRefusedIsRaisedAgain) {
    gw::StoreOptions so;
    so.path = dir.file("store.db");
    so.commit_window_ms = 1;
    so.alarm_max_bytes = 8192;
    auto opened = gw::Store::open(so, clock, log);
    CHECK_TEXT(opened.ok(), opened.ok() ? "" : opened.error().c_str());
    gw::Store& store = **opened;
    gw::EventIdSource ids("gw-1", store.boot());
    gw::Intake intake(store, ids, {"s1", "gw-1"}, clock, log);
    int refused = 0;
    for (int i = 0; i < 200; ++i)
        refused += store.append(gw::Lane::alarm, 0, "event", std::string(200, 'x')).ok() ? 0 : 1;
    CHECK(refused > 0);
    intake.report_store_notices();  // the notice is refused too
    auto rows = alarms(store);
    for (const auto& r : rows) store.ack(gw::Lane::alarm, r.seq);
    store.flush();
    clock.advance(10000);           // a refused notice is tried every 10 s
    intake.report_store_notices();  // the kept notice
    intake.report_store_notices();  // the count of refusals after it
    int64_t counted = 0, notices = 0;
    for (const auto& r : alarms(store)) {
        auto j = nlohmann::json::parse(r.payload, nullptr, false);
        if (!j.is_object() || j.value("type", "") != "alarm_rejected") continue;
        ++notices;
        counted += j.value("value", int64_t{0});
    }
    LONGS_EQUAL(2, notices);
    LONGS_EQUAL_TEXT(1, captured.count("store notice not stored"), captured.text().c_str());
    CHECK_TEXT(counted >= refused, std::to_string(counted).c_str());
}
