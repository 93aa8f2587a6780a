#pragma once
// Every detector kind the gateway knows, each described once in its own
// folder (`detectors/<folder>/<name>_kind.cpp`, collected by CMake into the
// generated all_kinds.cpp). The config loader validates [[detectors]] entries
// against this list; the factories build detectors from the same entries.
#include <string>
#include <vector>

#include "config/detector_kind.hpp"

namespace gw::detectors {

// In rank order (the order of "kind: must be one of ...").
const std::vector<DetectorKind>& kinds();
// nullptr for a name no kind has.
const DetectorKind* find_kind(const std::string& name);

}  // namespace gw::detectors
