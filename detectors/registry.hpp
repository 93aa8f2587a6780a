#pragma once
// Every detector kind the gateway knows. The config loader validates
// [[detectors]] entries against this list; the pipeline builds detectors from it.
#include <vector>

#include "core/module_spec.hpp"

namespace gw::detectors {

const std::vector<DetectorKind>& kinds();

}  // namespace gw::detectors
