#include "scenario.hpp"
#include "sim_server.hpp"

#include <string>

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::sitesim;

TEST_GROUP(SitesimScenario){};

TEST(SitesimScenario, ParsesValuesFaultsAndComments) {
    auto sc = parse_scenario(
        "t_s,slave,table,address,value\n"
        "# a comment\n"
        "5, 2, holding_register, 0, -2   # trailing comment\n"
        "0,1,discrete_input,3,1\n"
        "7.5,3,fault,late,250\n",
        "s.csv");
    CHECK_TRUE(sc.ok());
    LONGS_EQUAL(3, sc->steps.size());
    DOUBLES_EQUAL(0.0, sc->steps[0].t_s, 0);  // sorted by time
    LONGS_EQUAL(0xFFFE, sc->steps[1].value);
    CHECK_TRUE(sc->steps[2].is_fault);
    CHECK(sc->steps[2].fault.kind == FaultKind::late);
    LONGS_EQUAL(250, sc->steps[2].fault.arg);
    DOUBLES_EQUAL(7.5, sc->duration_s, 0);
    LONGS_EQUAL(3, sc->slaves.size());
}

TEST(SitesimScenario, ErrorsNameTheLine) {
    auto bad = parse_scenario("0,1,holding_register,0,1\n0,1,coil,0,2\n", "x.csv");
    CHECK_FALSE(bad.ok());
    STRCMP_EQUAL("x.csv:2: a bit value must be 0 or 1", bad.error().c_str());
    CHECK_FALSE(parse_scenario("0,300,coil,0,1\n", "x").ok());
    CHECK_FALSE(parse_scenario("-1,1,coil,0,1\n", "x").ok());
    CHECK_FALSE(parse_scenario("0,1,register,0,1\n", "x").ok());
    CHECK_FALSE(parse_scenario("0,1,fault,explode,0\n", "x").ok());
    CHECK_FALSE(parse_scenario("0,1,coil,0\n", "x").ok());
}

TEST(SitesimScenario, FaultOptions) {
    auto f = parse_fault_option("2:exception:4");
    CHECK_TRUE(f.ok());
    LONGS_EQUAL(2, f->first);
    CHECK(f->second.kind == FaultKind::exception);
    LONGS_EQUAL(4, f->second.arg);
    CHECK_TRUE(parse_fault_option("3:no_answer").ok());
    CHECK_FALSE(parse_fault_option("3:late").ok());
    CHECK_FALSE(parse_fault_option("x:none").ok());
    auto drop = parse_fault_option("2:drop:3");
    CHECK_TRUE(drop.ok());
    CHECK(drop->second.kind == FaultKind::drop);
    LONGS_EQUAL(3, drop->second.arg);
    CHECK_FALSE(parse_fault_option("2:drop:1").ok());  // every request: that is no_answer
}

TEST(SitesimScenario, ShippedScenariosParse) {
    for (const char* name : {"site-normal.csv", "site-incident.csv"}) {
        auto sc = load_scenario(std::string(GW_SOURCE_DIR) + "/tools/sitesim/scenarios/" + name);
        if (!sc) FAIL(sc.error().c_str());
        LONGS_EQUAL(3, sc->slaves.size());
    }
}

TEST(SitesimScenario, Crc16MatchesTheModbusReference) {
    const uint8_t frame[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A};
    LONGS_EQUAL(0xCDC5, crc16(frame, sizeof frame));  // wire order C5 CD
}
