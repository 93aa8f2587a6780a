#pragma once
// What the config loader must know about a detector kind to validate a
// [[detectors]] entry. Each detector declares itself in detectors/; the loader
// only walks the list, so adding a detector never touches firmware/.
#include <string>
#include <vector>

#include "params.hpp"

namespace gw {

struct DetectorKind {
    std::string name;                         // "flood", "fire", ...
    std::vector<std::string> required_roles;  // inputs that must map to points
    std::vector<std::string> optional_roles;
    bool needs_camera = false;
    // Reads (and so validates) every parameter through `params`.
    void (*declare)(Params& params) = nullptr;
};

}  // namespace gw
