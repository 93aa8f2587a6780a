// gatewayctl on bad input and with no daemon: the documented message and
// exit code (docs/gatewayctl.md), never a crash or a hang.
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

constexpr int kUsage = 2;
constexpr int kNoDaemon = 3;

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
        auto r = gw::test::run(args, 10000);
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
        {"store", "export", "--out", "x", "--lane", "sideways"}};
    for (auto args : commands) {
        args.insert(args.begin(), GW_GATEWAYCTL);
        auto r = gw::test::run(args, 10000);
        std::string what = args.size() > 1 ? args[1] : "(none)";
        LONGS_EQUAL_TEXT(kUsage, r.code, (what + ": " + r.err).c_str());
        CHECK_TEXT(!r.err.empty() || !r.out.empty(), what.c_str());
    }
}

TEST(CtlErrors, ABadConfigIsReportedWithItsLineAndExitTwo) {
    const std::string cfg = dir.write("bad.toml", "[gateway]\nflavour = 1\n");
    auto r = gw::test::run({GW_GATEWAYCTL, "points", "-c", cfg}, 10000);
    LONGS_EQUAL(kUsage, r.code);
    STRCMP_CONTAINS((cfg + ":2: gateway.flavour: unknown key").c_str(), r.err.c_str());
}
