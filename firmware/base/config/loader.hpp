#pragma once
// The one config loader. It reads a TOML file, validates all of it and
// reports every problem as `FILE:LINE: key.path: what is wrong`, so a
// technician fixes a config in one pass instead of one error per restart.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "detector_kind.hpp"

namespace gw {

struct ConfigErrors {
    std::vector<std::string> lines;  // each "FILE:LINE: key.path: what is wrong"
};

struct LoadResult {
    std::optional<Config> config;  // set only when there were no errors
    ConfigErrors errors;
    bool ok() const { return config.has_value(); }
};

// A gateway's configuration is a few KiB; anything near this is not one.
constexpr long kMaxConfigBytes = 1 << 20;
// Dotted key parts per line (a.b.c is 3): toml++ recurses once per part
// without a limit of its own, and a long enough key overflows the stack.
constexpr int kMaxKeyParts = 64;

// Why a TOML text from outside must not be parsed at all (larger than
// kMaxConfigBytes, or a dotted key of more than kMaxKeyParts parts), as
// "NAME:LINE: (syntax): what" lines; empty: toml::parse may have it. Every
// toml::parse of such a text goes through it (the loader, gatewayctl
// provision and analyze --set): toml++ overflowed the stack on a long key.
std::vector<std::string> unparsable_toml(const std::string& text, const std::string& name);

LoadResult load_config(const std::string& path, const std::vector<DetectorKind>& kinds);
LoadResult load_config_text(const std::string& text, const std::string& name,
                            const std::vector<DetectorKind>& kinds);

// One detector's params given as TOML text (the `key = value` lines of a
// [detectors.params] table), read and validated by the kind's reader exactly
// as the loader does. For tools and tests that build a detector without a
// site config (gatewayctl analyze, the detector tests).
struct DetectorParams {
    std::shared_ptr<const DetectorSettings> settings;  // set only when there were no problems
    std::vector<std::string> problems;                 // each "params.KEY: what is wrong"
    bool ok() const { return settings != nullptr; }
    std::string error() const;  // the problems joined by "; "
};
DetectorParams read_detector_params(const DetectorKind& kind, const std::string& toml_text);

}  // namespace gw
