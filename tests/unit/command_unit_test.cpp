// The command channel's pure parts: the HMAC (RFC 4231 vector) and the
// signature policy, the inbox's idempotency and bound, the router's deadline.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "command/channel.hpp"
#include "command/router.hpp"
#include "command/signature.hpp"
#include "contract/routes.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/utf8.hpp"
#include "store/command_book.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using nlohmann::json;

TEST_GROUP(CommandSignature){};

TEST(CommandSignature, HmacIsOpenSslsSha256) {
    // RFC 4231, test case 2.
    STRCMP_EQUAL("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                 command::hmac_sha256_hex("Jefe", "what do ya want for nothing?").c_str());
}

TEST(CommandSignature, SignsTheTargetAndTheSortedRequestWithoutSig) {
    json r = {{"ts", 5}, {"id", "a"}};
    STRCMP_EQUAL("s1/gw1\nmode\n{\"id\":\"a\",\"ts\":5}",
                 command::signed_text("s1/gw1", "mode", r).c_str());
    r["sig"] = "ignored";
    STRCMP_EQUAL("s1/gw1\nmode\n{\"id\":\"a\",\"ts\":5}",
                 command::signed_text("s1/gw1", "mode", r).c_str());
}

// One secret on many gateways (the reference center signs for all with
// one): a command captured on its way to gw1 and published to gw2's cmd/
// within max_skew_s ran there, since the signed text did not say which
// gateway it was for.
TEST(CommandSignature, ACommandSignedForOneGatewayIsRefusedByAnother) {
    command::SignaturePolicy p{"a-secret-of-16-chars", 300000, false};
    const int64_t now = 1700000000000;
    json r = {{"id", "x"}, {"mode", "emergency"}, {"ts", now}};
    r["sig"] = command::sign(p.secret, "s1/gw1", "mode", r);
    CHECK(command::check_signature(p, "s1/gw1", "mode", r, now, true).ok());
    STRCMP_CONTAINS("bad signature",
                    command::check_signature(p, "s1/gw2", "mode", r, now, true).error().c_str());
    STRCMP_CONTAINS("bad signature",
                    command::check_signature(p, "s2/gw1", "mode", r, now, true).error().c_str());
}

TEST(CommandSignature, PolicyRefusesUnsignedStaleWrongAndUnsynced) {
    command::SignaturePolicy p{"a-secret-of-16-chars", 300000, false};
    const int64_t now = 1700000000000;
    json r = {{"id", "x"}, {"ts", now}};
    r["sig"] = command::sign(p.secret, "s1/gw1", "selftest", r);
    CHECK(command::check_signature(p, "s1/gw1", "selftest", r, now, true).ok());
    STRCMP_CONTAINS(
        "not synced",
        command::check_signature(p, "s1/gw1", "selftest", r, now, false).error().c_str());
    p.allow_unsynced = true;
    CHECK(command::check_signature(p, "s1/gw1", "selftest", r, now, false).ok());
    STRCMP_CONTAINS(
        "stale",
        command::check_signature(p, "s1/gw1", "selftest", r, now + 300001, true).error().c_str());
    STRCMP_CONTAINS("bad signature",
                    command::check_signature(p, "s1/gw1", "reload", r, now, true).error().c_str());
    STRCMP_CONTAINS("unsigned",
                    command::check_signature(p, "s1/gw1", "selftest", {{"id", "x"}}, now, true)
                        .error()
                        .c_str());
    CHECK(command::check_signature({}, "s1/gw1", "selftest", {{"id", "x"}}, now, true).ok());
    // A ts beyond int64 was read as a negative one: now - ts overflowed.
    json wrapped = {{"id", "x"}, {"ts", (uint64_t(1) << 63) + 5}};
    wrapped["sig"] = command::sign(p.secret, "s1/gw1", "selftest", wrapped);
    STRCMP_CONTAINS(
        "ts:",
        command::check_signature(p, "s1/gw1", "selftest", wrapped, now, true).error().c_str());
}

TEST_GROUP(CommandBook) {
    test::TempDir dir;
    ManualClock clock{1700000000000};
    Log log{LogLevel::error};
    std::unique_ptr<Store> store;
    void setup() override {
        StoreOptions so;
        so.path = dir.file("store.db");
        auto s = Store::open(so, clock, log);
        CHECK_TEXT(s.ok(), s.ok() ? "" : s.error().c_str());
        store = std::move(*s);
    }
    // A selftest that counts its runs in `runs` and answers with
    // answer(run), an empty check list by default.
    std::atomic<int> runs{0};
    command::CommandRouter router{clock, log};
    void add_selftest(std::function<json(int run)> answer = [](int) {
        return json{{"checks", json::array()}};
    }) {
        router.add("selftest",
                   [this, answer](const json&, command::Done done) { done(answer(++runs)); });
    }
    // The replies on reply/selftest in the alarm lane, oldest first.
    std::vector<json> stored_replies() {
        auto rows = store->read(Lane::alarm, 0, 1000);
        CHECK(rows.ok());
        std::vector<json> out;
        for (const auto& r : *rows)
            if (r.topic == contract::reply_route("selftest")) out.push_back(json::parse(r.payload));
        return out;
    }
    // Commands signed with a secret, 60 s of skew allowed.
    static command::ChannelOptions signing() {
        command::ChannelOptions options;
        options.signing.secret = "0123456789abcdef-secret";
        options.signing.max_skew_ms = 60000;
        return options;
    }
    // Whether the command `id` was answered (its reply stored) within 5 s.
    static bool wait_sent(CommandBook & book, const std::string& id) {
        for (int i = 0; i < 500; ++i) {
            auto row = book.find(id);
            if (row.ok() && row->has_value() && (*row)->state == CommandRow::sent) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }
};

TEST(CommandBook, ARepeatedIdFindsItsRowAndReplyAcrossReopen) {
    {
        auto book = CommandBook::open(dir.file("store.db"));
        CHECK(book.ok());
        auto a = (*book)->admit("r1", "selftest", "{\"id\":\"r1\"}", 1000);
        CHECK(a.ok() && a->fresh);
        auto again = (*book)->admit("r1", "selftest", "{\"id\":\"r1\"}", 2000);
        CHECK(again.ok() && !again->fresh);
        LONGS_EQUAL(CommandRow::pending, again->existing.state);
        CHECK((*book)->set_reply("r1", "{\"ok\":true}").ok());
        LONGS_EQUAL(1, (*book)->unfinished()->size());
    }
    auto book = CommandBook::open(dir.file("store.db"));
    auto row = (*book)->find("r1");
    CHECK(row.ok() && row->has_value());
    LONGS_EQUAL(CommandRow::replied, (*row)->state);
    STRCMP_EQUAL("{\"ok\":true}", (*row)->reply.c_str());
    CHECK((*book)->mark_sent("r1", 3000).ok());
    CHECK((*book)->unfinished()->empty());
}

TEST(CommandBook, KeepsOnlyTheNewestSentRowsAndNoneTooOld) {
    auto book = CommandBook::open(dir.file("store.db"), {5, 100000, 1});
    for (int i = 0; i < 20; ++i) {
        const std::string id = "id" + std::to_string(i);
        CHECK((*book)->admit(id, "selftest", "{}", 1000 + i).ok());
        CHECK((*book)->set_reply(id, "{}").ok());
        CHECK((*book)->mark_sent(id, 1000 + i).ok());
    }
    LONGS_EQUAL(5, *(*book)->count());
    CHECK((*book)->find("id19")->has_value());
    CHECK_FALSE((*book)->find("id14")->has_value());
    // Unfinished rows are never pruned; finished ones go after keep_ms.
    CHECK((*book)->admit("open", "selftest", "{}", 2000).ok());
    CHECK((*book)->admit("last", "selftest", "{}", 500000).ok());
    CHECK((*book)->set_reply("last", "{}").ok());
    CHECK((*book)->mark_sent("last", 500000).ok());
    CHECK((*book)->find("open")->has_value());
    CHECK((*book)->find("last")->has_value());
    CHECK_FALSE((*book)->find("id19")->has_value());
}

// A gateway that booted without a real-time clock is set right by NTP weeks
// later: the ids it took before the step look weeks old, but the center may
// still be resending them, so they must still find their replies.
TEST(CommandBook, AForwardStepOfTheWallClockKeepsTheRecentIds) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    const int64_t boot = 1000;
    const int64_t synced = boot + 30LL * 24 * 3600 * 1000;
    for (const char* id : {"before-1", "before-2"}) {
        CHECK((*book)->admit(id, "selftest", "{}", boot).ok());
        CHECK((*book)->set_reply(id, "{}").ok());
        CHECK((*book)->mark_sent(id, boot).ok());
    }
    CHECK((*book)->admit("after", "selftest", "{}", synced).ok());
    CHECK((*book)->set_reply("after", "{}").ok());
    CHECK((*book)->mark_sent("after", synced).ok());
    auto again = (*book)->admit("before-1", "selftest", "{}", synced);
    CHECK(again.ok());
    CHECK_FALSE_TEXT(again->fresh, "an id taken before the clock step would run again");
    LONGS_EQUAL(3, *(*book)->count());
}

// A request the gateway could not take on (busy with other selftests) does
// not use up its id: the center's retry with the same id runs. It used to
// get the stored "busy" reply again, for as long as the id was kept.
TEST(CommandBook, ABusyRequestFreesItsIdSoTheSameIdRunsWhenRetried) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    add_selftest([](int run) {
        return run == 1 ? command::try_again("busy: try again") : json{{"checks", json::array()}};
    });
    const contract::Origin origin{"s1", "gw1"};
    command::CommandChannel channel({}, **book, *store, router, origin, clock, log);
    CHECK(channel.start().ok());
    auto settled = [&](int n) {
        for (int i = 0; i < 200; ++i) {
            auto row = (*book)->find("s1");
            if (runs == n && (n == 1 ? !row->has_value()
                                     : row->has_value() && (*row)->state == CommandRow::sent))
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    };
    channel.on_command("selftest", R"({"id":"s1"})", false);
    CHECK_TEXT(settled(1), "the busy request kept its id");
    channel.on_command("selftest", R"({"id":"s1"})", false);
    CHECK_TEXT(settled(2), "the retry did not run");
    channel.stop();
    LONGS_EQUAL(2, runs.load());
}

// Commands left in the inbox run when the gateway starts again, but one
// received more than 10 minutes before (a gateway down for days) is
// answered "expired" and not run: it used to run however late. On a clock
// that is not synced the age is unknown: it runs.
TEST(CommandBook, ACommandLeftInTheInboxTooLongIsAnsweredExpiredNotRun) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    const int64_t now = clock.now_ms();
    CHECK((*book)->admit("old", "selftest", R"({"id":"old"})", now - 11 * 60'000).ok());
    CHECK((*book)->admit("new", "selftest", R"({"id":"new"})", now - 60'000).ok());
    add_selftest();
    command::CommandChannel channel({}, **book, *store, router, {"s1", "gw1"}, clock, log);
    CHECK(channel.start().ok());
    auto sent = [&](const char* id) {
        for (int i = 0; i < 200; ++i) {
            auto row = (*book)->find(id);
            if (row.ok() && row->has_value() && (*row)->state == CommandRow::sent) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    };
    CHECK_TEXT(sent("new"), "the recent command was not run");
    CHECK_TEXT(sent("old"), "the expired command got no reply");
    channel.stop();
    LONGS_EQUAL(1, runs.load());
    store->flush();
    auto replies = store->read(Lane::alarm, 0, 100);
    CHECK(replies.ok());
    std::string all;
    for (const auto& r : *replies) all += r.payload + "\n";
    STRCMP_CONTAINS(R"("id":"old")", all.c_str());
    STRCMP_CONTAINS("expired: received 660 s ago", all.c_str());
}

TEST(CommandBook, OnAClockNotSyncedACommandLeftInTheInboxRuns) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    CHECK((*book)->admit("old", "selftest", R"({"id":"old"})", clock.now_ms() - 86'400'000).ok());
    clock.set_synced(false);  // booted without a real-time clock: the age is unknown
    add_selftest();
    command::CommandChannel channel({}, **book, *store, router, {"s1", "gw1"}, clock, log);
    CHECK(channel.start().ok());
    for (int i = 0; i < 200 && runs.load() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    channel.stop();
    LONGS_EQUAL(1, runs.load());
}

// A reply the store refused (the alarm lane full) stays in the inbox as
// "replied". The center's resend with the same id must get it once there
// is room again: it used to be answered only after a restart, since a
// repeat sent the first reply again only once it had been queued.
TEST(CommandBook, AReplyTheStoreRefusedGoesOutWhenTheIdIsSentAgain) {
    StoreOptions so;
    so.path = dir.file("small.db");
    so.alarm_max_bytes = 16 << 10;
    auto small = Store::open(so, clock, log);
    CHECK(small.ok());
    for (size_t size : {1024, 16}) {  // full to the last few bytes: no reply fits
        int stored = 0;
        const std::string filler(size, 'x');
        while (stored < 2000 && (*small)->append(Lane::alarm, 1, "event/x", filler).ok()) ++stored;
        CHECK_TEXT(stored < 2000, "the alarm lane never filled");
    }
    auto book = CommandBook::open(so.path);
    CHECK(book.ok());
    add_selftest();
    // The channel's log tells when the store has refused the reply.
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> log_file(
        std::fopen(dir.file("channel.log").c_str(), "w"), &std::fclose);
    Log channel_log{LogLevel::error, log_file.get()};
    command::CommandChannel channel({}, **book, **small, router, {"s1", "gw1"}, clock, channel_log);
    CHECK(channel.start().ok());
    auto state_is = [&](CommandRow::State want) {
        for (int i = 0; i < 200; ++i) {
            auto row = (*book)->find("r1");
            if (row.ok() && row->has_value() && (*row)->state == want) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    };
    auto logged = [&](const std::string& text) {
        for (int i = 0; i < 200; ++i) {
            std::ifstream in(dir.file("channel.log"));
            std::string all((std::istreambuf_iterator<char>(in)), {});
            if (all.find(text) != std::string::npos) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    };
    channel.on_command("selftest", R"({"id":"r1"})", false);
    CHECK_TEXT(logged("cannot store reply"), "the store took the reply");
    CHECK_TEXT(state_is(CommandRow::replied), "the refused reply was not kept");
    auto rows = (*small)->read(Lane::alarm, 0, 1000);
    CHECK(rows.ok());
    for (const auto& r : *rows) (*small)->ack(Lane::alarm, r.seq);
    (*small)->flush();
    channel.on_command("selftest", R"({"id":"r1"})", false);
    CHECK_TEXT(state_is(CommandRow::sent), "the resend got no reply");
    channel.stop();
    LONGS_EQUAL(1, runs.load());
    auto replies = (*small)->read(Lane::alarm, 0, 1000);
    CHECK(replies.ok());
    LONGS_EQUAL(1, replies->size());
    STRCMP_EQUAL(contract::reply_route("selftest").c_str(), replies->front().topic.c_str());
}

// Anyone who captured one signed command could publish it again and again
// (within max_skew_s): every copy stored its first reply in the alarm lane
// again, beside the real alarms. A repeat's reply goes again at most once
// per 10 s per id; garbage that uses up the refusals' budget does not keep
// the center's own repeats from being answered.
TEST(CommandBook, CopiesOfOneCommandAreAnsweredOncePerPause) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    add_selftest();
    command::ChannelOptions options;
    options.refusals_per_minute = 5;
    command::CommandChannel channel(options, **book, *store, router, {"s1", "gw1"}, clock, log);
    CHECK(channel.start().ok());
    channel.on_command("selftest", R"({"id":"r1"})", false);
    bool replied = false;
    for (int i = 0; i < 500 && !replied; ++i) {
        auto row = (*book)->find("r1");
        replied = row.ok() && row->has_value() && (*row)->state != CommandRow::pending;
        if (!replied) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK_TEXT(replied, "the command was not answered");
    auto replies = [&] {
        auto rows = store->read(Lane::alarm, 0, 1000);
        CHECK(rows.ok());
        int n = 0;
        for (const auto& r : *rows) n += r.topic == contract::reply_route("selftest");
        return n;
    };
    for (int i = 0; i < 200; ++i) channel.on_command("selftest", R"({"id":"r1"})", false);
    LONGS_EQUAL(1 + 1, replies());  // the first reply, and one copy of it
    // Garbage uses up the refusals' budget; 10 s on, a repeat is answered.
    for (int i = 0; i < 100; ++i) channel.on_command("selftest", "not json", false);
    const int before = replies();
    clock.advance(10000);
    channel.on_command("selftest", R"({"id":"r1"})", false);
    LONGS_EQUAL(before + 1, replies());
    channel.stop();
    LONGS_EQUAL(1, runs.load());
}

// With signing on, an unsigned request named the id of a command under
// way, and its refusal went out under that id: a center that takes the
// first reply for an id took the forgery's "refused" for its command's.
// Now only a request the center signed names the reply's id; the id it
// claims is in the error text, for whoever reads it.
TEST(CommandBook, WithSigningOnlyASignedRequestNamesTheIdOfItsRefusal) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    add_selftest();
    command::ChannelOptions options = signing();
    command::CommandChannel channel(options, **book, *store, router, {"s1", "gw1"}, clock, log);
    CHECK(channel.start().ok());
    auto signed_request = [&](const std::string& id, int64_t ts) {
        json r = {{"id", id}, {"ts", ts}};
        r["sig"] = command::sign(options.signing.secret, "s1/gw1", "selftest", r);
        return r;
    };
    channel.on_command("selftest", R"({"id":"victim-1"})", false);
    channel.on_command("selftest",
                       R"({"id":"victim-1","ts":1,"sig":")" + std::string(64, '0') + "\"}", false);
    channel.on_command("selftest", signed_request("old-1", clock.now_ms() - 3600000).dump(), false);
    auto replies = stored_replies();
    LONGS_EQUAL(3, replies.size());
    CHECK(replies[0]["id"].is_null());
    STRCMP_CONTAINS("unsigned", replies[0]["error"].get<std::string>().c_str());
    STRCMP_CONTAINS("request id \"victim-1\" not signed: the reply names none",
                    replies[0]["error"].get<std::string>().c_str());
    CHECK(replies[1]["id"].is_null());
    STRCMP_CONTAINS("bad signature", replies[1]["error"].get<std::string>().c_str());
    // Signed but stale: the center's own, answered under its id.
    STRCMP_EQUAL("old-1", replies[2]["id"].get<std::string>().c_str());
    STRCMP_CONTAINS("stale", replies[2]["error"].get<std::string>().c_str());
    channel.stop();
    LONGS_EQUAL(0, runs.load());
}

// A signed command that ran, delivered again after max_skew_s (its PUBACK
// lost, or the center sending the same bytes again as the contract asks),
// was judged on its age before its id: the center got "stale" for an id
// it had an ok reply for. It gets the first reply again.
TEST(CommandBook, ASignedCommandThatRanGetsItsFirstReplyAgainWhenStale) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    add_selftest();
    command::ChannelOptions options = signing();
    options.replay_every_ms = 0;
    command::CommandChannel channel(options, **book, *store, router, {"s1", "gw1"}, clock, log);
    CHECK(channel.start().ok());
    json r = {{"id", "m-1"}, {"ts", clock.now_ms()}};
    r["sig"] = command::sign(options.signing.secret, "s1/gw1", "selftest", r);
    channel.on_command("selftest", r.dump(), false);
    CHECK_TEXT(wait_sent(**book, "m-1"), "the command was not answered");
    clock.advance(61000);
    channel.on_command("selftest", r.dump(), false);
    channel.stop();
    auto replies = stored_replies();
    LONGS_EQUAL(2, replies.size());
    CHECK(replies[0] == replies[1]);
    CHECK(replies[1].value("ok", false));
    LONGS_EQUAL(1, runs.load());
}

// ... but old copies are answered within the refusal budget: a week of
// captured commands sent again at once filled the alarm lane with replies.
TEST(CommandBook, OldSignedCopiesAreAnsweredWithinTheRefusalBudget) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    add_selftest();
    command::ChannelOptions options = signing();
    options.replay_every_ms = 0;
    options.refusals_per_minute = 3;
    command::CommandChannel channel(options, **book, *store, router, {"s1", "gw1"}, clock, log);
    CHECK(channel.start().ok());
    std::vector<std::string> sent;
    for (int i = 0; i < 10; ++i) {
        json r = {{"id", "c-" + std::to_string(i)}, {"ts", clock.now_ms()}};
        r["sig"] = command::sign(options.signing.secret, "s1/gw1", "selftest", r);
        sent.push_back(r.dump());
        channel.on_command("selftest", sent.back(), false);
        CHECK_TEXT(wait_sent(**book, r["id"]), "a command was not answered");
    }
    clock.advance(61000);
    for (const auto& copy : sent) channel.on_command("selftest", copy, false);
    channel.stop();
    LONGS_EQUAL(10 + 3, stored_replies().size());
    LONGS_EQUAL(10, runs.load());
}

// Garbage that names no request id (not JSON, no id) used up the one
// refusal budget, and the center's own refused requests went unanswered.
TEST(CommandBook, GarbageDoesNotUseUpTheAnswersToRequestsWithAnId) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    add_selftest();
    command::ChannelOptions options;
    options.refusals_per_minute = 5;
    command::CommandChannel channel(options, **book, *store, router, {"s1", "gw1"}, clock, log);
    CHECK(channel.start().ok());
    for (int i = 0; i < 50; ++i) channel.on_command("selftest", "not json", false);
    channel.on_command("selftest", R"({"id":"c-1","extra":1})", false);
    channel.stop();
    auto replies = stored_replies();
    LONGS_EQUAL(5 + 1, replies.size());
    STRCMP_EQUAL("c-1", replies.back()["id"].get<std::string>().c_str());
}

TEST_GROUP(CommandRouter) {
    SystemClock clock;
    Log log{LogLevel::error};
};

TEST(CommandRouter, AHandlerThatNeverCompletesTimesOutAndALateDoneIsIgnored) {
    command::CommandRouter router(clock, log);
    command::Done kept;
    router.add(
        "slow", [&](const json&, command::Done done) { kept = std::move(done); }, 300);
    router.add("fast", [](const json& r, command::Done done) { done({{"echo", r["id"]}}); });
    std::atomic<int> outcomes{0};
    command::Outcome slow, fast;
    router.run("slow", {{"id", "s"}}, [&](command::Outcome o) {
        slow = o;
        ++outcomes;
    });
    router.run("fast", {{"id", "f"}}, [&](command::Outcome o) {
        fast = o;
        ++outcomes;
    });
    router.start();
    for (int i = 0; i < 600 && outcomes < 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    LONGS_EQUAL(2, outcomes.load());
    CHECK(fast.ok);
    STRCMP_EQUAL("f", fast.result["echo"].get<std::string>().c_str());
    CHECK_FALSE(slow.ok);
    STRCMP_CONTAINS("timed out", slow.error.c_str());
    kept({{"late", true}});  // after the deadline: changes nothing
    LONGS_EQUAL(2, outcomes.load());
    router.stop();
}

TEST(CommandRouter, ErrorResultsAreRefusals) {
    auto o = command::Outcome::of(command::error("unknown incident"));
    CHECK_FALSE(o.ok);
    CHECK_FALSE(o.retry);
    auto busy = command::Outcome::of(command::try_again("busy"));
    CHECK_FALSE(busy.ok);
    CHECK(busy.retry);
    STRCMP_EQUAL("busy", busy.error.c_str());
    STRCMP_EQUAL("unknown incident", o.error.c_str());
    CHECK(command::Outcome::of({{"incident", "x"}}).ok);
    CHECK_FALSE(command::Outcome::of(json::array()).ok);
}

// A refusal's reply is stored in the alarm lane, which is never evicted. A
// garbage object of 1,000 unknown fields made a reply with a reason for
// each (~20 KB from a 9 KB request), and one field's name as long as the
// request made one as long: each is now about a kilobyte at most, cut on
// a character's first byte, and says how many reasons it left out.
TEST(CommandBook, TheRefusalOfAGarbageRequestStaysShort) {
    auto book = CommandBook::open(dir.file("store.db"));
    CHECK(book.ok());
    add_selftest();
    command::CommandChannel channel({}, **book, *store, router, {"s1", "gw1"}, clock, log);
    CHECK(channel.start().ok());
    json many = {{"id", "g1"}};
    for (int i = 0; i < 1000; ++i) many["f" + std::to_string(i)] = 0;
    channel.on_command("selftest", many.dump(), false);
    // Its reason, "invalid request: $: unknown field kk...", has the two
    // bytes of an e-acute at 1023 and 1024: a cut through it would leave a
    // lone lead byte, which the encoder turns into U+FFFD.
    json one_long = {{"id", "g2"}, {std::string(1023 - 34, 'k') + "\xc3\xa9" + "tag", 0}};
    channel.on_command("selftest", one_long.dump(), false);
    channel.stop();
    LONGS_EQUAL(0, runs.load());
    auto rows = store->read(Lane::alarm, 0, 10);
    CHECK(rows.ok());
    LONGS_EQUAL(2, rows->size());
    for (const auto& row : *rows) {
        CHECK_TEXT(row.payload.size() < 2048, std::to_string(row.payload.size()).c_str());
        CHECK(is_utf8(row.payload));
        const json reply = json::parse(row.payload);
        STRCMP_CONTAINS("invalid request", reply.value("error", "").c_str());
    }
    STRCMP_CONTAINS("and 995 more",
                    json::parse(rows->at(0).payload)["error"].get<std::string>().c_str());
    const std::string cut = json::parse(rows->at(1).payload)["error"].get<std::string>();
    LONGS_EQUAL(1023 + 3, cut.size());
    STRCMP_CONTAINS("kk...", cut.c_str());
    CHECK(cut.find('\xc3') == std::string::npos);
    CHECK(cut.find("\xef\xbf\xbd") == std::string::npos);
}
