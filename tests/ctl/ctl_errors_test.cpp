// gatewayctl on bad input, with no daemon and with a busy one: the
// documented message and exit code (docs/gatewayctl.md), never a crash or a hang.
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/control_client.hpp"
#include "control/control_server.hpp"
#include "control/dispatcher.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

// Generous: on a loaded 2-core machine an ASan gatewayctl needs seconds just to start.
constexpr int kRunTimeoutMs = 60000;
constexpr int kUsage = 2;
constexpr int kNoDaemon = 3;
constexpr int kBusy = 4;

}  // namespace

TEST_GROUP(CtlErrors) {
    gw::test::TempDir dir;
    std::string sock() const {
        return dir.file("nobody-home.sock");
    }
};

TEST(CtlErrors, EveryDaemonCommandSaysTheDaemonIsNotRunningWithExitThree) {
    const std::vector<std::vector<std::string>> commands = {
        {"status"},
        {"status", "--json"},
        {"points"},
        {"devices"},
        {"events"},
        {"events", "--active"},
        {"store", "stats"},
        {"mqtt", "test"},
        {"selftest"},
        {"snapshot", "--camera", "cam-1", "--out", dir.file("x.jpg")},
        {"record", "--out", dir.file("x.csv"), "--for", "1s"},
        {"store", "export", "--out", dir.file("x.jsonl")},
        {"points", "--watch"}};
    for (auto args : commands) {
        args.insert(args.begin(), GW_GATEWAYCTL);
        args.push_back("-s");
        args.push_back(sock());
        auto r = gw::test::run(args, kRunTimeoutMs);
        LONGS_EQUAL_TEXT(kNoDaemon, r.code, args[1].c_str());
        STRCMP_CONTAINS("gatewayd is not running", r.err.c_str());
    }
}

TEST(CtlErrors, UnknownCommandsAndBadArgumentsAreUsageErrors) {
    const std::vector<std::vector<std::string>> commands = {
        {"frobnicate"},
        {},
        {"store"},
        {"store", "export"},  // --out is required
        {"snapshot", "--out", "x.jpg"},
        {"record", "--out", "x.csv", "--for", "5 parsecs"},
        {"record", "--out", "x.csv", "--for", "10"},  // a unit is required
        {"modbus", "scan", "--device", "d", "--first", "300"},
        {"modbus", "read"},
        {"points", "--interval-ms", "5"},
        {"events", "--limit", "0"},
        {"mqtt", "test", "--timeout-ms", "abc"},
        {"store", "export", "--out", "x", "--lane", "sideways"},
        {"inject", "-t", ""},  // an event needs a type
        {"inject", "--severity", "bogus"}};
    for (auto args : commands) {
        args.insert(args.begin(), GW_GATEWAYCTL);
        auto r = gw::test::run(args, kRunTimeoutMs);
        std::string what = args.size() > 1 ? args[1] : "(none)";
        LONGS_EQUAL_TEXT(kUsage, r.code, (what + ": " + r.err).c_str());
        CHECK_TEXT(!r.err.empty() || !r.out.empty(), what.c_str());
    }
}

// What is wrong, in words: a mistyped command, a word where a number goes,
// a negative duration, a path that is not a socket.
TEST(CtlErrors, UsageErrorsSayWhatIsWrong) {
    const std::string folder = dir.path();
    const std::string fifo = dir.file("fifo");
    CHECK(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"frobnicate"}, "unknown command \"frobnicate\""},
        // A level down, CLI11 said only "A subcommand is required".
        {{"store", "exprt"},
         "gatewayctl store: unknown command \"exprt\" (commands: stats, export"},
        {{"config"}, "gatewayctl config: needs a command (commands: check"},
        {{"mqtt", "tset", "-s", folder}, "gatewayctl mqtt: unknown command \"tset\""},
        {{"events", "--limit", "abc"},
         "--limit: must be a whole number from 1 to 1000, got \"abc\""},
        {{"record", "--out", "x.csv", "--for", "-5s"},
         "--for: must be a duration from 1 ms to 168 h like 30s, 5min or 1h, got \"-5s\""},
        {{"mode", "emergency", "--for", "8d"}, "--for: must be a duration from 1 s to 168 h"},
        {{"status", "-s", ""}, "--socket: must not be empty"},
        {{"replay", "--config", folder, "--trace", "t.csv"}, "cannot read: Is a directory"},
        {{"provision", "-c", folder, "--site", "s1"}, "cannot read: Is a directory"},
        // A FIFO made the command wait for a writer for ever.
        {{"replay", "--config", fifo, "--trace", fifo}, fifo + ": not a regular file"},
        {{"provision", "-c", fifo, "--site", "s1"}, fifo + ": not a regular file"},
        {{"analyze", fifo, "--detector", "crowd"}, "not a regular file"},
        {{"analyze", "v.avi", "--detector", "crowd", "--roi", "0,0,nan,0,3,3"},
         "--roi: must be a number from -1000000 to 1000000, got \"nan\""},
        // Typed in a Latin-1 terminal: JSON cannot carry it (gatewayctl aborted).
        {{"ack", "gw-1-1", "--by", "J\xfcrgen", "-s", folder + "/none.sock"},
         "an argument is not UTF-8 text"},
        // --for 2h is read (else it would be the error); the folder is not a socket.
        {{"mode", "emergency", "--for", "2h", "-s", folder},
         folder + " is a folder, not a control socket"}};
    for (const auto& [args, message] : cases) {
        std::vector<std::string> argv = args;
        argv.insert(argv.begin(), GW_GATEWAYCTL);
        auto r = gw::test::run(argv, kRunTimeoutMs);
        LONGS_EQUAL_TEXT(kUsage, r.code, (args[0] + ": " + r.err).c_str());
        STRCMP_CONTAINS(message.c_str(), r.err.c_str());
    }
}

TEST(CtlErrors, ABadConfigIsReportedWithItsLineAndExitTwo) {
    const std::string cfg = dir.write("bad.toml", "[gateway]\nflavour = 1\n");
    auto r = gw::test::run({GW_GATEWAYCTL, "points", "-c", cfg}, kRunTimeoutMs);
    LONGS_EQUAL(kUsage, r.code);
    STRCMP_CONTAINS((cfg + ":2: gateway.flavour: unknown key").c_str(), r.err.c_str());
    // The config was only read to find the socket: how to do without it.
    STRCMP_CONTAINS(
        ("to reach gatewayd without " + cfg + ", give its control socket: -s SOCKET").c_str(),
        r.err.c_str());
}

TEST_GROUP(CtlBusy) {
    gw::test::TempDir dir;
};

// The real control server in this process, with a "status" that runs until
// released: one running status takes its only worker and its only connection.
TEST(CtlBusy, ABusyDaemonIsReportedAsBusyWithExitFour) {
    using nlohmann::json;
    gw::Log log{gw::LogLevel::error};
    gw::SystemClock clock;
    gw::Dispatcher commands(clock, log, {{1, 0}, {1, 0}});
    std::atomic<bool> running{false}, release{false};
    commands.add("status", gw::Dispatcher::Pool::io, 600000,
                 [&](const json&, const gw::Peer&, const gw::Cancel& cancel) {
                     running = true;
                     while (!release && cancel.wait_for(10)) {
                     }
                     return json{{"version", "test"}};
                 });
    const std::string path = dir.file("busy.sock");
    for (size_t max_clients : {size_t(16), size_t(1)}) {
        gw::ControlLimits limits;
        limits.max_clients = max_clients;
        gw::ControlServer server(path, "", commands, clock, log, limits);
        CHECK(server.start().ok());
        running = release = false;
        auto held = std::async(std::launch::async, [&] {
            return gw::ControlClient(path, 60000).call({{"cmd", "status"}});
        });
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!running && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CHECK(running.load());
        // 16 connections: the worker is taken. 1 connection: so is the socket.
        auto r = gw::test::run({GW_GATEWAYCTL, "status", "-s", path}, kRunTimeoutMs);
        LONGS_EQUAL_TEXT(kBusy, r.code, r.err.c_str());
        STRCMP_CONTAINS("gatewayctl: gatewayd is busy", r.err.c_str());
        release = true;
        CHECK(held.get().ok());
    }
}
