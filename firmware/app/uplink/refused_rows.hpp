#pragma once
// Which stored row a broker will not take. Mosquitto (max_packet_size), NATS
// (max_payload) and RabbitMQ (a publish its ACL denies) close the connection
// on such a publish instead of acknowledging it. Resent first after every
// reconnect, the row would hold back every row behind it for good.
//
// So after a lost connection rows go one at a time ("careful") until the
// row out alone gets its PUBACK; an alarm raised meanwhile may go beside a
// lone image or telemetry batch (alarms never wait behind those), and a
// loss with both out blames neither. A row lost alone kLosses times in a row
// is parked: skipped for kParkMs, then sent again; lost alone once more
// after that, it is parked again at once. A park is withdrawn if the next
// connection is lost too before any PUBACK, the retained status's included:
// then the link, not the row, is what fails (a broker that refuses the
// gateway's status topic, a flapping line), and parking row after row would
// only reorder them. A broker that takes the status but refuses two rows in
// a row (two large images) has them both parked.
//
// Pure bookkeeping for Delivery, on its thread: no I/O, time passed in.
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace gw::uplink {

class RefusedRows {
  public:
    using Key = std::pair<int, int64_t>;  // lane index, seq
    static constexpr int kLosses = 3;
    static constexpr int64_t kParkMs = 600000;

    struct Slots {
        int free = 0;      // rows that may be published now
        int reserved = 0;  // of which only alarms may take this many
    };
    struct Verdict {
        std::optional<Key> parked;    // newly parked
        std::optional<Key> unparked;  // a park withdrawn: the link failed again
    };

    bool careful() const { return careful_; }
    // In careful mode, what may be published with `inflight` rows out.
    Slots careful_slots(size_t inflight) const;
    // A row published; `inflight` counts it.
    void published(const Key& key, size_t inflight);
    // Its PUBACK; `current`: on the connection now up.
    void acked(const Key& key, bool current);
    // Its publish failed on the connection now up; it will be sent again.
    void failed(const Key& key);
    // The broker acknowledged something on the connection now up (the
    // retained status): a loss from here on is no longer the link's.
    void link_works() { unconfirmed_.reset(); }
    // The connection was lost (or a publish could not even be queued).
    Verdict lost(int64_t now_ms);
    // A row that cannot be published at all (its topic is not a valid MQTT
    // topic: a bit flip on the card): parked at once, kept in the store. No
    // fault of the link, so nothing else changes.
    void refuse(const Key& key, int64_t now_ms) { parked_[key] = now_ms + kParkMs; }
    bool parked(const Key& key) const { return parked_.count(key) > 0; }
    // Parked rows whose time is up, to be sent again; no longer parked.
    std::vector<Key> release(int64_t now_ms);
    // When release() next has a row to give back, if any is parked.
    std::optional<int64_t> next_release_ms() const;
    int parked_count() const { return static_cast<int>(parked_.size()); }

  private:
    bool careful_ = false;
    std::optional<Key> lone_;    // the row out alone in careful mode
    std::optional<Key> beside_;  // an alarm sent beside it
    std::optional<Key> suspect_;
    int suspect_losses_ = 0;
    std::map<Key, int64_t> parked_;   // -> when it is sent again (monotonic ms)
    std::map<Key, int64_t> paroled_;  // released -> until when one loss parks it again
    std::optional<Key> unconfirmed_;  // the last park, until a PUBACK shows the link works
};

}  // namespace gw::uplink
