#include "modbus_plan.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

namespace gw::modbus {

bool is_bit_table(Table t) {
    return t == Table::coil || t == Table::discrete_input;
}

int max_count(Table t) {
    return is_bit_table(t) ? kMaxReadBits : kMaxReadRegisters;
}

std::string what(const ReadBlock& block) {
    return to_string(block.table) + " " + std::to_string(block.start) + ".." +
           std::to_string(block.start + block.count - 1);
}

namespace {

// How long `tenths` tenths of a character take on the line at the
// device's settings (a start bit, data, parity and stop bits each),
// rounded up to the ms; 0 without a baud rate.
int64_t line_ms(const DeviceConfig& device, int64_t tenths) {
    if (device.baud <= 0) return 0;
    const int64_t bits = 1 + device.data_bits + (device.parity == 'N' ? 0 : 1) + device.stop_bits;
    return (tenths * bits * 100 + device.baud - 1) / device.baud;
}

}  // namespace

int wire_ms(const DeviceConfig& device, const ReadBlock& block) {
    if (device.transport != Transport::rtu) return 0;
    // slave, function, address, count, CRC: 8 bytes; the answer: slave,
    // function, byte count, the data, CRC.
    const int64_t data = is_bit_table(block.table) ? (block.count + 7) / 8 : 2 * block.count;
    const int64_t bytes = 8 + (5 + data) + 2 * 4;
    return static_cast<int>(line_ms(device, 10 * bytes));
}

int quiet_gap_ms(const DeviceConfig& device) {
    return static_cast<int>(std::max<int64_t>(20, line_ms(device, 35)));
}

int64_t quiet_wait_max_ms(const DeviceConfig& device) {
    return line_ms(device, 2560) + device.timeout_ms;  // 256 characters
}

int64_t retry_pause_ms(const DeviceConfig& device, int attempt) {
    return std::min<int64_t>(int64_t{20} << (attempt - 1), device.timeout_ms);
}

int64_t failed_poll_ms(const DeviceConfig& device) {
    // RTU: a timeout waits as long again; a bad frame is answered within the
    // timeout and then waits for quiet, which takes longer.
    const int64_t per_try =
        device.transport == Transport::rtu
            ? device.timeout_ms + quiet_wait_max_ms(device) + quiet_gap_ms(device)
            : device.timeout_ms;
    int64_t total = per_try;
    for (int attempt = 1; attempt <= device.retries; ++attempt)
        total += retry_pause_ms(device, attempt) + per_try;
    return total;
}

namespace {

int span_of(const PointConfig& p) {
    return is_bit_table(p.table) ? 1 : p.registers();
}

}  // namespace

std::vector<ReadBlock> plan_reads(std::vector<PointConfig> points, int device_poll_ms,
                                  int device_poll_ms_emergency) {
    if (device_poll_ms_emergency <= 0) device_poll_ms_emergency = device_poll_ms;
    for (auto& p : points) {
        p.poll_ms_emergency = p.polled_every_ms_emergency(device_poll_ms_emergency);
        p.poll_ms = p.polled_every_ms(device_poll_ms);
    }
    std::sort(points.begin(), points.end(), [](const PointConfig& a, const PointConfig& b) {
        return std::make_tuple(a.poll_ms, a.poll_ms_emergency, static_cast<int>(a.table),
                               a.address) < std::make_tuple(b.poll_ms, b.poll_ms_emergency,
                                                            static_cast<int>(b.table), b.address);
    });
    std::vector<ReadBlock> blocks;
    for (auto& p : points) {
        const int span = span_of(p);
        ReadBlock* last = blocks.empty() ? nullptr : &blocks.back();
        if (last && last->table == p.table && last->poll_ms == p.poll_ms &&
            last->poll_ms_emergency == p.poll_ms_emergency &&
            p.address <= last->start + last->count &&
            std::max(last->start + last->count, p.address + span) - last->start <=
                max_count(p.table)) {
            last->count = std::max(last->start + last->count, p.address + span) - last->start;
            last->points.push_back(p);
            continue;
        }
        ReadBlock b;
        b.table = p.table;
        b.start = p.address;
        b.count = span;
        b.poll_ms = p.poll_ms;
        b.poll_ms_emergency = p.poll_ms_emergency;
        b.points.push_back(p);
        blocks.push_back(std::move(b));
    }
    return blocks;
}

namespace {

uint16_t swap_bytes(uint16_t w) {
    return static_cast<uint16_t>((w >> 8) | (w << 8));
}

// The 32-bit pattern of a two-register value. Modbus sends each register
// big-endian; devices differ in which register holds the high word and
// sometimes swap the bytes inside each register.
uint32_t combine(const PointConfig& p, const uint16_t* regs) {
    uint16_t a = regs[0], b = regs[1];
    if (p.byte_order == Order::little) {
        a = swap_bytes(a);
        b = swap_bytes(b);
    }
    const uint16_t hi = p.word_order == Order::big ? a : b;
    const uint16_t lo = p.word_order == Order::big ? b : a;
    return (static_cast<uint32_t>(hi) << 16) | lo;
}

}  // namespace

double raw_register_value(const PointConfig& p, const uint16_t* regs) {
    uint16_t one = p.byte_order == Order::little ? swap_bytes(regs[0]) : regs[0];
    switch (p.type) {
        case ValueType::boolean:
            return regs[0] != 0 ? 1.0 : 0.0;
        case ValueType::int16:
            return static_cast<int16_t>(one);
        case ValueType::uint16:
            return one;
        case ValueType::int32:
            return static_cast<int32_t>(combine(p, regs));
        case ValueType::uint32:
            return combine(p, regs);
        case ValueType::float32: {
            uint32_t bits = combine(p, regs);
            float f;
            std::memcpy(&f, &bits, sizeof f);
            return f;
        }
    }
    return 0.0;
}

Sample make_sample(const PointConfig& point, double raw, int64_t t_ms) {
    Sample s;
    s.point = point.id;
    s.t_ms = t_ms;
    s.value = raw * point.scale + point.offset;
    const bool finite = s.value == s.value && s.value - s.value == 0.0;  // not NaN, not inf
    const bool below = point.min && s.value < *point.min;
    const bool above = point.max && s.value > *point.max;
    s.quality = (!finite || below || above) ? Quality::out_of_range : Quality::good;
    if (!finite) s.value = 0.0;  // NaN would poison JSON and comparisons downstream
    return s;
}

std::vector<Sample> decode_block(const ReadBlock& block, const uint16_t* regs, const uint8_t* bits,
                                 int64_t t_ms) {
    std::vector<Sample> out;
    out.reserve(block.points.size());
    for (const auto& p : block.points) {
        const int at = p.address - block.start;
        const double raw =
            is_bit_table(block.table) ? (bits[at] ? 1.0 : 0.0) : raw_register_value(p, regs + at);
        out.push_back(make_sample(p, raw, t_ms));
    }
    return out;
}

}  // namespace gw::modbus
