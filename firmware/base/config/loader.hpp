#pragma once
// The one config loader. It reads a TOML file, validates all of it and
// reports every problem as `FILE:LINE: key.path: what is wrong`, so a
// technician fixes a config in one pass instead of one error per restart.
#include <string>
#include <vector>

#include "config.hpp"
#include "core/module_spec.hpp"
#include "core/result.hpp"

namespace gw {

struct ConfigErrors {
    std::vector<std::string> lines;  // each "FILE:LINE: key.path: what is wrong"
};

struct LoadResult {
    std::optional<Config> config;  // set only when there were no errors
    ConfigErrors errors;
    bool ok() const { return config.has_value(); }
};

LoadResult load_config(const std::string& path, const std::vector<DetectorKind>& kinds);
LoadResult load_config_text(const std::string& text, const std::string& name,
                            const std::vector<DetectorKind>& kinds);

}  // namespace gw
