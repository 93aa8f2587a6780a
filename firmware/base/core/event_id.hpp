#pragma once
// The one source of event ids. An id is "<gateway>-<boot>-<seq>":
//   gateway  configured gateway id (unique in the district)
//   boot     a counter the store increments durably at every start
//   seq      per-boot sequence, zero padded so ids sort by production order
// Unique across reboots and gateways without trusting the wall clock, which
// may be unsynchronised on a gateway that boots offline.
#include <atomic>
#include <cstdint>
#include <string>

namespace gw {

class EventIdSource {
  public:
    EventIdSource(std::string gateway_id, uint64_t boot)
        : gateway_(std::move(gateway_id)), boot_(boot) {}

    std::string next();
    uint64_t boot() const { return boot_; }

  private:
    std::string gateway_;
    uint64_t boot_;
    std::atomic<uint64_t> seq_{0};
};

}  // namespace gw
