// sitesim's set-now commands (the stimulus of tools/bench latency): parsing,
// and a value set through a pipe read back over Modbus TCP by libmodbus.
#include <modbus/modbus.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "live_set.hpp"
#include "sim_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::sitesim;

namespace {

int64_t wall_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

int read_register(int port, int slave, int address) {
    modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
    if (!ctx) return -1;
    uint16_t v = 0;
    int rc = -1;
    if (modbus_connect(ctx) == 0 && modbus_set_slave(ctx, slave) == 0 &&
        modbus_read_registers(ctx, address, 1, &v) == 1)
        rc = v;
    modbus_close(ctx);
    modbus_free(ctx);
    return rc;
}

}  // namespace

TEST_GROUP(SitesimSetNow){};

TEST(SitesimSetNow, ParsesACommand) {
    auto st = parse_set_command("2, holding_register, 7, 900");
    CHECK_TRUE(st.ok());
    LONGS_EQUAL(2, st->slave);
    CHECK(st->table == Table::holding_register);
    LONGS_EQUAL(7, st->address);
    LONGS_EQUAL(900, st->value);
    CHECK_TRUE(parse_set_command("1,discrete_input,0,1").ok());
}

TEST(SitesimSetNow, RefusesWhatIsNotASetCommand) {
    STRCMP_EQUAL("expected SLAVE,TABLE,ADDRESS,VALUE, got \"2,holding_register,7\"",
                 parse_set_command("2,holding_register,7").error().c_str());
    STRCMP_EQUAL("a bit value must be 0 or 1", parse_set_command("1,coil,0,2").error().c_str());
    STRCMP_EQUAL("faults are set with --fault, not here",
                 parse_set_command("1,fault,late,100").error().c_str());
    CHECK_FALSE(parse_set_command("0,holding_register,0,1").ok());  // slave 0
    CHECK_FALSE(parse_set_command("1,holding_register,0,70000").ok());
    CHECK_FALSE(parse_set_command("1,holding_register,0,1 # x").ok());
}

TEST(SitesimSetNow, CommandsOnAPipeChangeWhatAModbusClientReads) {
    Simulator sim(Scenario{}, SimOptions{});
    sim.set_value(3, Table::holding_register, 5, 11);
    const int port = gw::test::free_port();
    CHECK_TRUE(sim.start_tcp("127.0.0.1", port).ok());
    LONGS_EQUAL(11, read_register(port, 3, 5));

    gw::test::TempDir dir;
    int fds[2];
    CHECK_EQUAL(0, ::pipe(fds));
    std::FILE* out = std::fopen(dir.file("answers").c_str(), "w+");
    CHECK(out != nullptr);
    const int64_t before = wall_us();
    {
        SetCommandReader reader(sim, fds[0], out);
        const std::string cmds = "3,holding_register,5,4242\nnonsense\n";
        CHECK_EQUAL(static_cast<ssize_t>(cmds.size()), ::write(fds[1], cmds.data(), cmds.size()));
        for (int i = 0; i < 200 && read_register(port, 3, 5) != 4242; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        LONGS_EQUAL(4242, read_register(port, 3, 5));
        for (int i = 0;
             i < 200 && gw::test::read_file(dir.file("answers")).find("error") == std::string::npos;
             ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }  // stops its thread
    std::fclose(out);
    ::close(fds[0]);
    ::close(fds[1]);
    sim.stop();

    const std::string answers = gw::test::read_file(dir.file("answers"));
    long long t = 0;
    char what[64] = {};
    CHECK_EQUAL(2, std::sscanf(answers.c_str(), "set %lld %63s", &t, what));
    STRCMP_EQUAL("3,holding_register,5,4242", what);
    CHECK(t >= before && t <= wall_us());
    CHECK(answers.find("\nerror: expected SLAVE,TABLE,ADDRESS,VALUE") != std::string::npos);
}
