// gatewayctl modbus on a real RTU line (sitesim on one end of a socat pty
// pair, no daemon): the commissioning commands read a bus as the daemon's
// poller does, slow and late slaves included.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "drivers/site_fixture.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

constexpr int kModbusRunTimeoutMs = 60000;

std::string rtu_config(const gw::test::TempDir& dir, const std::string& tty) {
    return "[gateway]\ndistrict = \"d\"\nsite = \"s1\"\nid = \"gw1\"\ndata_dir = \"" + dir.path() +
           "/data\"\n\n[uplink]\nbrokers = [\"tcp://127.0.0.1:1\"]\n\n[control]\n" + "socket = \"" +
           dir.path() + "/nobody-home.sock\"\n\n[[devices]]\nid = \"bus\"\n" +
           "transport = \"rtu\"\nserial = \"" + tty + "\"\nbaud = 115200\nslave = 1\n" +
           "timeout_ms = 500\nretries = 1\n\n[[points]]\nid = \"level\"\ndevice = \"bus\"\n" +
           "table = \"holding_register\"\naddress = 0\n";
}

}  // namespace

TEST_GROUP(CtlModbus) {
    gw::test::TempDir dir;
    gw::test::PtyPair pty{dir};
    std::unique_ptr<gw::test::Process> sim;

    void start_sim(const std::string& fault) {
        CHECK_TRUE(pty.ok());
        sim = std::make_unique<gw::test::Process>(
            gw::test::sitesim_args(dir.write("site.csv", gw::test::kSiteScenario),
                                   {"--rtu", pty.a(), "--baud", "115200", "--fault", fault}),
            dir.path(), "sitesim");
        CHECK_TRUE(sim->wait_for_output("sitesim: ready", 10000));
    }
    gw::test::RunResult ctl(std::vector<std::string> args) {
        args.insert(args.begin(), GW_GATEWAYCTL);
        args.insert(args.end(), {"--config", dir.write("gw.toml", rtu_config(dir, pty.b()))});
        return gw::test::run(args, kModbusRunTimeoutMs);
    }
};

// Slave 2 answers 700 ms after a 500 ms timeout. Its answer came in during
// slave 3's wait, was refused as from the wrong slave, and slave 3, which
// answers at once, was not found. The line is now given the timeout again
// after a timeout, as the daemon does, and the late answer thrown away.
TEST(CtlModbus, AScanIsNotThrownByASlaveThatAnswersLate) {
    start_sim("2:late:700");
    auto r = ctl({"modbus", "scan", "--device", "bus", "--first", "1", "--last", "3",
                  "--timeout-ms", "500", "--json"});
    LONGS_EQUAL_TEXT(0, r.code, r.err.c_str());
    auto found = nlohmann::json::parse(r.out);
    std::vector<long> ids;
    for (const auto& s : found) ids.push_back(s["slave"].get<long>());
    CHECK_TEXT((ids == std::vector<long>{1, 3}), found.dump().c_str());
}

// A read that fails says what was asked of whom, after the device's retries.
TEST(CtlModbus, ARawReadThatFailsSaysWhatWasAskedOfWhom) {
    start_sim("1:no_answer");
    auto r = ctl({"modbus", "read", "--device", "bus", "--address", "0", "--count", "2", "--json"});
    LONGS_EQUAL_TEXT(1, r.code, r.out.c_str());
    STRCMP_CONTAINS("reading 2 holding_register from 0 of slave 1 on rtu:", r.err.c_str());
    STRCMP_CONTAINS("failed: Connection timed out", r.err.c_str());
}
