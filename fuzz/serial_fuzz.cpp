// Fuzz target `serial`: bytes off a serial line through the framer
// (line and nmea framing, any chunking, resets between reads) and the line
// decoder (named-group patterns from the docs and tests, or a pattern taken
// from the input, as a technician could write one in the config).
// Properties: delivered lines are within max_line and hold only printable
// ASCII and tabs; every byte is counted; samples are finite; no crash, hang
// or unbounded growth.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include "core/named_regex.hpp"
#include "serial/line_framer.hpp"
#include "serial/serial_port.hpp"

namespace {

using namespace gw;
using namespace gw::serial;

const char* const kPatterns[] = {
    // docs/drivers.md
    "SMK,(?<smoke>[01]),(?<co>[0-9]+)",
    // tests/drivers/serial_test.cpp
    R"(^(?:ID=\w+ )?T=(?<temp>-?[0-9.]+)(\s+)CO=(?<co>[0-9]+)(?:[(]x[)])?$)",
    R"(\((?<a>[0-9]+)\)[(](?<b>[a-z]+))",
    // what a technician writes for "KEY=VALUE,..." sensors
    R"(T=(?<t>[-+0-9.eE]+),H=(?<h>[0-9.]+)(,.*)?)",
    "(?<raw>.*)",
};
constexpr size_t kFixed = sizeof kPatterns / sizeof kPatterns[0];

[[noreturn]] void broken(const char* what, const std::string& detail) {
    std::fprintf(stderr, "serial fuzz: %s: %s\n", what, detail.c_str());
    std::abort();
}

std::vector<gw::PointConfig> points_for(const NamedRegex& re) {
    std::vector<gw::PointConfig> points;
    for (const auto& name : re.names()) {
        gw::PointConfig p;
        p.id = "p_" + name;
        p.device = "port";
        p.field = name;
        p.scale = 0.1;
        p.min = -100;
        p.max = 1000;
        points.push_back(p);
    }
    return points;
}

// Whether `line` is well-formed UTF-8, by another decoder than the
// framer's: nlohmann's dump() refuses anything else.
bool utf8(const std::string& line) {
    try {
        (void)nlohmann::json(line).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}

void check_line(const std::string& line, size_t max_line) {
    if (line.size() > max_line) broken("line longer than max_line", line);
    bool eight_bit = false;
    for (char ch : line) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t') || c == 0x7F) broken("control byte delivered", line);
        eight_bit = eight_bit || c >= 0x80;
    }
    if (eight_bit && !utf8(line)) broken("a line that is not UTF-8 delivered", line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    const Framing framing = in.ConsumeBool() ? Framing::nmea : Framing::line;
    const auto max_line = in.ConsumeIntegralInRange<size_t>(16, 4096);
    const auto choice = in.ConsumeIntegralInRange<size_t>(0, kFixed);
    const std::string pattern =
        choice < kFixed ? std::string(kPatterns[choice]) : in.ConsumeRandomLengthString(200);
    auto re = NamedRegex::compile(pattern);
    if (!re) {
        if (choice < kFixed) broken("a shipped pattern does not compile", re.error());
        return 0;
    }
    const auto points = points_for(*re);
    const LineDecoder decoder(std::move(*re), "port", points);

    LineFramer framer(framing, max_line);
    SerialCounters counters;
    uint64_t fed = 0;
    while (in.remaining_bytes() > 0) {
        if (in.ConsumeIntegralInRange<int>(0, 15) == 0) framer.reset();  // port reopened
        const std::string chunk = in.ConsumeRandomLengthString(512);
        fed += chunk.size();
        for (const auto& line : framer.feed(chunk)) {
            check_line(line, max_line);
            for (const auto& s : decoder.decode(line, 1000, counters))
                if (!std::isfinite(s.value)) broken("non-finite sample", line);
        }
    }
    if (framer.counters().bytes != fed) broken("bytes miscounted", std::to_string(fed));
    return 0;
}
