#include "modbus/modbus_plan.hpp"

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::modbus;

namespace {

PointConfig point(const std::string& id, Table t, int address, ValueType type = ValueType::uint16) {
    PointConfig p;
    p.id = id;
    p.device = "d";
    p.table = t;
    p.address = address;
    p.type = t == Table::coil || t == Table::discrete_input ? ValueType::boolean : type;
    return p;
}

}  // namespace

TEST_GROUP(ModbusPlan){};

TEST(ModbusPlan, ContiguousPointsShareOneRequest) {
    auto blocks =
        plan_reads({point("a", Table::holding_register, 0), point("b", Table::holding_register, 1),
                    point("c", Table::holding_register, 2, ValueType::float32)},
                   1000);
    LONGS_EQUAL(1, blocks.size());
    LONGS_EQUAL(0, blocks[0].start);
    LONGS_EQUAL(4, blocks[0].count);  // float32 spans 2 registers
    LONGS_EQUAL(3, blocks[0].points.size());
}

TEST(ModbusPlan, GapsTablesAndIntervalsSplitRequests) {
    auto a = point("a", Table::holding_register, 0);
    auto b = point("b", Table::holding_register, 5);  // gap: separate request
    auto c = point("c", Table::input_register, 1);    // other table
    auto d = point("d", Table::holding_register, 1);
    d.poll_ms = 100;  // other interval
    auto blocks = plan_reads({a, b, c, d}, 1000);
    LONGS_EQUAL(4, blocks.size());
}

// A point's own emergency interval is kept, whatever its poll_ms; without
// one (0, as the loader documents) it takes the device's emergency interval,
// also when the point sets a poll_ms of its own: the same interval the
// loader's poll-rate check judges.
TEST(ModbusPlan, APointsOwnEmergencyIntervalIsKept) {
    auto own = point("own", Table::holding_register, 0);
    own.poll_ms_emergency = 50;
    auto inherits = point("inherits", Table::holding_register, 10);
    auto slow = point("slow", Table::holding_register, 20);
    slow.poll_ms = 60000;
    auto blocks = plan_reads({own, inherits, slow}, 1000, 250);
    LONGS_EQUAL(3, blocks.size());
    for (const auto& b : blocks) {
        const std::string id = b.points.at(0).id;
        if (id == "own") LONGS_EQUAL(50, b.poll_ms_emergency);
        if (id == "inherits") LONGS_EQUAL(250, b.poll_ms_emergency);
        if (id == "slow") {
            LONGS_EQUAL(60000, b.poll_ms);
            LONGS_EQUAL(250, b.poll_ms_emergency);
        }
    }
}

TEST(ModbusPlan, RequestsStayWithinProtocolLimits) {
    std::vector<PointConfig> regs, bits;
    for (int i = 0; i < 300; ++i)
        regs.push_back(point("r" + std::to_string(i), Table::holding_register, i));
    for (int i = 0; i < 2500; ++i) bits.push_back(point("b" + std::to_string(i), Table::coil, i));
    auto rb = plan_reads(regs, 1000);
    LONGS_EQUAL(3, rb.size());
    LONGS_EQUAL(125, rb[0].count);
    LONGS_EQUAL(125, rb[1].count);
    LONGS_EQUAL(50, rb[2].count);
    LONGS_EQUAL(125, rb[1].start);
    auto bb = plan_reads(bits, 1000);
    LONGS_EQUAL(2, bb.size());
    LONGS_EQUAL(2000, bb[0].count);
    LONGS_EQUAL(500, bb[1].count);
}

TEST(ModbusPlan, AThirtyTwoBitValueIsNeverSplitAcrossRequests) {
    std::vector<PointConfig> pts;
    for (int i = 0; i < 124; ++i)
        pts.push_back(point("r" + std::to_string(i), Table::holding_register, i));
    pts.push_back(point("f", Table::holding_register, 124, ValueType::uint32));  // 124..125
    auto blocks = plan_reads(pts, 1000);
    LONGS_EQUAL(2, blocks.size());
    LONGS_EQUAL(124, blocks[0].count);
    LONGS_EQUAL(124, blocks[1].start);
    LONGS_EQUAL(2, blocks[1].count);
}

// What a request and its answer take on the wire: the watchdog's deadline
// adds it, or a full block at 2400 baud (1.13 s) was cut at 2 x 500 ms on
// every poll and the device never came online.
TEST(ModbusPlan, WireTimeCountsEveryCharacterOfRequestAndAnswer) {
    DeviceConfig d;
    d.transport = Transport::rtu;
    d.baud = 2400;  // 8N1: 10 bits a character
    ReadBlock full;
    full.table = Table::holding_register;
    full.count = 125;
    // 8 request bytes, 5 + 250 answer bytes, 8 characters of silence.
    LONGS_EQUAL(1130, wire_ms(d, full));  // 2710 bits: 1129.2 ms, rounded up
    d.baud = 9600;
    d.parity = 'E';  // 11 bits
    ReadBlock bits;
    bits.table = Table::discrete_input;
    bits.count = 9;                     // two data bytes
    LONGS_EQUAL(27, wire_ms(d, bits));  // (8 + 7 + 8) x 11 = 253 bits: 26.4 ms, rounded up
    d.transport = Transport::tcp;
    LONGS_EQUAL(0, wire_ms(d, full));
}

// After a bad frame a serial line must be silent for 3.5 characters (at
// least 20 ms) before the retry; the wait ends after the longest frame's
// time on the wire plus the timeout (256 bytes at 9600 8N1: 267 ms).
TEST(ModbusPlan, TheQuietWaitFollowsTheLineSpeed) {
    DeviceConfig d;
    d.transport = Transport::rtu;
    d.timeout_ms = 100;
    LONGS_EQUAL(20, quiet_gap_ms(d));  // 9600 8N1: 3.6 ms
    LONGS_EQUAL(267 + 100, quiet_wait_max_ms(d));
    d.baud = 1200;
    d.parity = 'E';                    // 11 bits
    LONGS_EQUAL(33, quiet_gap_ms(d));  // 38.5 bits: 32.1 ms, rounded up
    LONGS_EQUAL(2347 + 100, quiet_wait_max_ms(d));
}

// A failed poll's length, which a point's last value stays `stale` beyond
// three poll intervals: every try's wait and the pauses between tries. On
// RTU a try's wait is the timeout and then the wait for a quiet line (a bad
// frame), longer than the timeout again (a late answer).
TEST(ModbusPlan, AFailedPollTakesEveryTryAndThePausesBetween) {
    DeviceConfig d;
    d.timeout_ms = 100;
    d.retries = 2;
    d.transport = Transport::tcp;
    LONGS_EQUAL(100 + (20 + 100) + (40 + 100), failed_poll_ms(d));
    d.transport = Transport::rtu;
    const int try_ms = 100 + (267 + 100) + 20;  // 9600 8N1
    LONGS_EQUAL(try_ms + (20 + try_ms) + (40 + try_ms), failed_poll_ms(d));
}
TEST(ModbusPlan, DecodesEveryTypeAndOrder) {
    auto p = point("x", Table::holding_register, 0, ValueType::int16);
    uint16_t neg[1] = {0xFFFE};
    DOUBLES_EQUAL(-2.0, raw_register_value(p, neg), 0);
    p.type = ValueType::uint16;
    DOUBLES_EQUAL(65534.0, raw_register_value(p, neg), 0);
    p.byte_order = Order::little;
    uint16_t le[1] = {0x3412};
    DOUBLES_EQUAL(0x1234, raw_register_value(p, le), 0);

    p = point("y", Table::holding_register, 0, ValueType::uint32);
    uint16_t two[2] = {0x0001, 0x0002};
    DOUBLES_EQUAL(65538.0, raw_register_value(p, two), 0);  // big word order: ABCD
    p.word_order = Order::little;
    DOUBLES_EQUAL(131073.0, raw_register_value(p, two), 0);  // CDAB
    p.type = ValueType::int32;
    p.word_order = Order::big;
    uint16_t m1[2] = {0xFFFF, 0xFFFF};
    DOUBLES_EQUAL(-1.0, raw_register_value(p, m1), 0);

    p.type = ValueType::float32;
    float f = 21.5f;
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    uint16_t abcd[2] = {static_cast<uint16_t>(bits >> 16), static_cast<uint16_t>(bits & 0xFFFF)};
    DOUBLES_EQUAL(21.5, raw_register_value(p, abcd), 1e-6);
    uint16_t cdab[2] = {abcd[1], abcd[0]};
    p.word_order = Order::little;
    DOUBLES_EQUAL(21.5, raw_register_value(p, cdab), 1e-6);
    auto swap = [](uint16_t w) { return static_cast<uint16_t>((w >> 8) | (w << 8)); };
    uint16_t dcba[2] = {swap(abcd[1]), swap(abcd[0])};
    p.byte_order = Order::little;
    DOUBLES_EQUAL(21.5, raw_register_value(p, dcba), 1e-6);
    uint16_t badc[2] = {swap(abcd[0]), swap(abcd[1])};
    p.word_order = Order::big;
    DOUBLES_EQUAL(21.5, raw_register_value(p, badc), 1e-6);
}

TEST(ModbusPlan, ScaleOffsetAndRangeDecideValueAndQuality) {
    auto p = point("depth", Table::holding_register, 0);
    p.scale = 0.1;
    p.offset = -5;
    p.min = 0;
    p.max = 500;
    auto s = make_sample(p, 123, 42);
    DOUBLES_EQUAL(7.3, s.value, 1e-9);
    CHECK(s.quality == Quality::good);
    LONGS_EQUAL(42, s.t_ms);
    CHECK(make_sample(p, 6000, 0).quality == Quality::out_of_range);
    CHECK(make_sample(p, 10, 0).quality == Quality::out_of_range);  // -4 < min
    auto nan = make_sample(p, std::numeric_limits<double>::quiet_NaN(), 0);
    CHECK(nan.quality == Quality::out_of_range);
    DOUBLES_EQUAL(0.0, nan.value, 0);
}

TEST(ModbusPlan, DecodeBlockPicksEachPointsOffset) {
    auto blocks = plan_reads({point("a", Table::holding_register, 10),
                              point("b", Table::holding_register, 11, ValueType::int16)},
                             1000);
    LONGS_EQUAL(1, blocks.size());
    LONGS_EQUAL(10, blocks[0].start);
    LONGS_EQUAL(2, blocks[0].count);
    uint16_t regs[2] = {7, 0xFFFF};
    auto s = decode_block(blocks[0], regs, nullptr, 5);
    LONGS_EQUAL(2, s.size());
    DOUBLES_EQUAL(7, s[0].value, 0);
    DOUBLES_EQUAL(-1, s[1].value, 0);
    auto bits = plan_reads(
        {point("x", Table::discrete_input, 3), point("y", Table::discrete_input, 4)}, 1000);
    uint8_t b[2] = {0, 1};
    auto sb = decode_block(bits[0], nullptr, b, 5);
    DOUBLES_EQUAL(0, sb[0].value, 0);
    DOUBLES_EQUAL(1, sb[1].value, 0);
}
