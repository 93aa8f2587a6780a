// Fuzz target `trace`: a recorded trace (CSV) through `gatewayctl replay`'s
// reader and the sensor detectors of the example config (flood, fire,
// elevator), fresh for every input. The trace must give events or an error
// "LINE: what"; events carry a type, a detector and a finite value (the
// contract has no place for NaN); never a crash, a hang or an overflow.
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "config/loader.hpp"
#include "contract/contract.hpp"
#include "core/event_id.hpp"
#include "detectors/detector_set.hpp"
#include "detectors/kinds.hpp"
#include "replay/replay.hpp"

namespace {

[[noreturn]] void broken(const char* what, const std::string& detail) {
    std::fprintf(stderr, "trace fuzz: %s: %s\n", what, detail.c_str());
    std::abort();
}

const gw::Config& site_config() {
    static const gw::Config config = [] {
        auto loaded = gw::load_config(GW_SOURCE_DIR "/firmware/base/config/gateway.example.toml",
                                      gw::detectors::kinds());
        if (!loaded.ok()) broken("example config", loaded.errors.lines.front());
        return *loaded.config;
    }();
    return config;
}

// "<digits>: <something>"
bool well_formed(const std::string& error) {
    size_t i = 0;
    while (i < error.size() && std::isdigit(static_cast<unsigned char>(error[i]))) ++i;
    return i > 0 && error.compare(i, 2, ": ") == 0 && error.size() > i + 2;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    gw::EventIdSource ids("gw-fuzz", 0);
    auto set = gw::detectors::DetectorSet::build(site_config().detectors, ids);
    if (!set) broken("detectors of the example config", set.error());
    std::istringstream trace(std::string(reinterpret_cast<const char*>(data), size));
    auto stats = gw::replay::run(trace, *set, [](const gw::Event& e) {
        if (e.type.empty() || e.detector.empty()) broken("event without type", e.message);
        if (!std::isfinite(e.value)) broken("non-finite event value", e.detector + " " + e.type);
        (void)gw::contract::event_json(e, "t_ms").dump();
    });
    if (!stats && !well_formed(stats.error())) broken("error not in LINE: form", stats.error());
    return 0;
}
