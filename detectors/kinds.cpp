#include "kinds.hpp"

#include <algorithm>

namespace gw::detectors {

// Generated from the `*_kind.cpp` files of the detector folders.
std::vector<DetectorKind> all_kinds();

const std::vector<DetectorKind>& kinds() {
    // A constant table, built on first use: no registration at static init.
    static const std::vector<DetectorKind> ranked = [] {
        auto all = all_kinds();
        std::stable_sort(all.begin(), all.end(), [](const DetectorKind& a, const DetectorKind& b) {
            return a.rank < b.rank;
        });
        return all;
    }();
    return ranked;
}

const DetectorKind* find_kind(const std::string& name) {
    for (const auto& k : kinds())
        if (k.name == name) return &k;
    return nullptr;
}

}  // namespace gw::detectors
