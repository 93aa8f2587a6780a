#include "event_id.hpp"

#include <cstdio>

namespace gw {

std::string EventIdSource::next() {
    const uint64_t seq = ++seq_;
    char buf[48];
    std::snprintf(buf, sizeof buf, "-%llu-%08llu", static_cast<unsigned long long>(boot_),
                  static_cast<unsigned long long>(seq));
    return gateway_ + buf;
}

}  // namespace gw
