#pragma once
// Pure Modbus planning and decoding: which requests to send for a device's
// points, and how to turn the returned registers/bits into samples. No I/O,
// so every rule here is unit-tested without a peer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/device_config.hpp"
#include "config/point_config.hpp"
#include "core/types.hpp"

namespace gw::modbus {

// Protocol limits per request (Modbus application protocol 1.1b3, 6.1-6.4).
constexpr int kMaxReadRegisters = 125;
constexpr int kMaxReadBits = 2000;

// One read request: a contiguous span of one table, polled at one interval.
struct ReadBlock {
    Table table = Table::holding_register;
    int start = 0;
    int count = 0;              // registers or bits
    int poll_ms = 0;            // the interval of every point in it
    int poll_ms_emergency = 0;  // the same in emergency mode
    std::vector<PointConfig> points;
};

bool is_bit_table(Table t);
int max_count(Table t);
// "holding_register 50..51": a block for a log line or an error.
std::string what(const ReadBlock& block);

// Groups a device's points into as few requests as the protocol allows:
// points of the same table and interval whose spans touch or overlap share a
// request, up to the per-request limit. `device_poll_ms` applies where a
// point's poll_ms is 0, `device_poll_ms_emergency` (0: device_poll_ms) in
// emergency mode; points also share a request only with points of the same
// emergency interval.
std::vector<ReadBlock> plan_reads(std::vector<PointConfig> points, int device_poll_ms,
                                  int device_poll_ms_emergency = 0);

// How long one request for `block` and its full answer take on a serial
// line at the device's settings (each byte a start bit, data, parity and
// stop bits; each frame's 3.5-character silence counted as 4), rounded up;
// 0 on TCP. At 2400 baud a full block of 125 registers takes 1.13 s.
int wire_ms(const DeviceConfig& device, const ReadBlock& block);

// After a bad frame on a serial line: how long the line must be silent to
// count as quiet (Modbus's 3.5 characters, but at least 20 ms: a loaded
// gateway or a pty relay pauses longer than the spec's 1.75 ms mid-frame),
// and how long to wait for that at most (the longest frame, 256 bytes, on
// the wire plus the device's timeout_ms; longer, the device is babbling).
int quiet_gap_ms(const DeviceConfig& device);
int64_t quiet_wait_max_ms(const DeviceConfig& device);

// The pause before try `attempt` (1 for the first retry): 20, 40, 80 ... ms,
// never longer than the device's timeout_ms.
int64_t retry_pause_ms(const DeviceConfig& device, int attempt);

// How long one poll of a device takes at most when every try fails: each
// try's wait for an answer (on RTU then the wait for a quiet line, which is
// longer than the timeout's wait for a late answer) and the pauses between
// tries (retry_pause_ms).
int64_t failed_poll_ms(const DeviceConfig& device);

// The raw number a register point holds (before scale/offset), honouring the
// configured word and byte order. `regs` must hold point.registers() words.
double raw_register_value(const PointConfig& point, const uint16_t* regs);

// value = raw * scale + offset, then the valid range decides the quality.
Sample make_sample(const PointConfig& point, double raw, int64_t t_ms);

// Decodes every point of a block from its response. `regs` holds block.count
// registers (register tables) or `bits` holds block.count bits (bit tables).
std::vector<Sample> decode_block(const ReadBlock& block, const uint16_t* regs, const uint8_t* bits,
                                 int64_t t_ms);

}  // namespace gw::modbus
