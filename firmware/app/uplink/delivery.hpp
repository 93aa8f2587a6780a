#pragma once
// The uplink's logic, single-threaded and with no thread of its own:
//   - which broker, and when: brokers in order, the next one right after a
//     failure; after a whole round of failures wait reconnect_min_ms,
//     doubling up to reconnect_max_ms; a connection whose birth the broker
//     acked resets the wait. A connection lost before that is a failed
//     connect; one lost within 30 s of its connect doubles the next wait.
//   - what to publish: alarms, then evidence, then telemetry (a lane is read
//     only when the lanes before it have nothing unsent), each row to its
//     stored route, at most inflight_window (<= 100) unacknowledged at once,
//     read from the store in pages of the free window.
//   - outcomes: a PUBACK deletes the row (Store::ack); a failed publish is
//     sent again, and only it; after a (re)connect every row still in the
//     store is sent again (a new client each time: nothing in flight
//     survives; the broker's session, kept for commands, holds none of ours).
//   - a row the broker will not take (it closes the connection instead of
//     acknowledging): after a lost connection rows go one at a time, and a
//     row lost alone three times in a row is parked: kept in the store,
//     skipped for 10 minutes, logged, counted in LinkState::parked
//     (refused_rows.hpp).
//   - a retained status on every connect, a retained Last Will, an offline
//     status on shutdown.
// It talks to a Transport; its callbacks only post LinkEvents, which the
// owner (Uplink: a thread and a queue; unit tests: a vector) hands back to
// turn() on the same thread that makes every Delivery call.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "command_sink.hpp"
#include "config/config.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "refused_rows.hpp"
#include "store/store.hpp"
#include "transport.hpp"

namespace gw {

struct LinkState {
    bool connected = false;
    std::string broker;              // URI connected to (or last tried), tcp:// or ssl://
    int64_t connected_since_ms = 0;  // wall time of the current connection
    int64_t last_puback_ms = 0;      // wall time of the last PUBACK
    int64_t published = 0;           // publishes sent since start (incl. resends)
    int64_t acked = 0;               // PUBACKs since start
    int64_t connects = 0;
    int inflight = 0;
    int parked = 0;  // rows the broker closed the connection on: kept, skipped for now
    std::string last_error;
    std::string store_error;  // the last failed read of rows to send; empty once one works
};

// A TLS broker URI (LinkState::broker: mqtts:// is already ssl:// there).
bool is_tls_uri(const std::string& uri);

// What the transport reported, tagged with the connection it belongs to:
// reports of an earlier connection change nothing but a PUBACK's delete.
struct LinkEvent {
    // birth_acked: the broker took this connection's retained status.
    enum Kind { connected, connect_failed, acked, publish_failed, lost, birth_acked };
    Kind kind = connected;
    uint64_t connection = 0;
    Lane lane = Lane::alarm;
    int64_t seq = 0;
    std::string why;
};

class Delivery {
  public:
    // Must be callable from any thread.
    using Post = std::function<void(LinkEvent)>;

    Delivery(const UplinkConfig& config, const contract::Topics& topics,
             const contract::Origin& origin, contract::GatewayStatus birth, Store& store,
             Clock& clock, Log& log, uplink::Transport& transport, Post post);

    // Commands from the center go to `sink` (before the first turn; null:
    // none). With a sink the session is persistent (clean_session=false,
    // fixed client id) and cmd/+ is subscribed (QoS 1) after every connect,
    // so commands sent while the gateway was offline arrive when it is back.
    void set_command_sink(uplink::CommandSink* sink);
    // The login of every connect from now on (empty: anonymous).
    void set_credentials(const std::string& username, const std::string& password);
    // Applies what was reported, connects when due, fills the window.
    void turn(std::vector<LinkEvent>& events);
    // How long the owner may wait for a report before the next turn: until
    // the next timer, at most kLongestIdleMs.
    int64_t idle_ms() const;
    // A net under the wakes: one missed would cost at most this much.
    static constexpr int64_t kLongestIdleMs = 5000;
    // Offline status (retained) and DISCONNECT, each waiting at most wait_ms.
    void shutdown(int wait_ms);
    LinkState state() const;
    // The operating mode the status carries (any thread): a change is
    // published (retained) at the next turn when connected, and is in every
    // later status.
    void set_mode(const std::string& mode, std::optional<int64_t> until_ms);

  private:
    using Key = std::pair<int, int64_t>;  // lane index, seq

    void apply(const LinkEvent& e);
    void connect_next();
    void on_connected();
    Status subscribe_commands();
    void on_connect_failed(const std::string& why);
    // On to the next broker; after a whole round of failures, wait and double.
    void next_broker();
    void resync();
    uplink::RefusedRows::Slots free_slots() const;
    void fill_window();
    std::vector<Record> next_rows(int free, int reserved);
    Result<std::vector<Record>> next_rows_of(Lane lane, int free);
    void lane_unreadable(Lane lane, const std::string& error);
    void lane_readable(Lane lane);
    Status publish(Record& row, std::string topic);
    static size_t bulk_bytes(const Record& row);
    // Whether `row` may go beside the evidence and telemetry in flight.
    bool bulk_fits(const Record& row) const;
    bool bulk_fits(size_t bytes) const;
    // Out of the window (acked or failed); false if it was not in it.
    bool landed(const Key& key);
    void link_down(const std::string& why, const char* what);
    void plan_reconnect();
    void judge_lost_connection();
    void refuse_row(const Record& row, const char* why);
    void log_parked(const Key& key);
    void release_parked();
    void set_parked_count();
    // with_mode false: the Last Will's (no mode, see connect_next).
    std::string status_payload(bool online, bool with_mode = true) const;

    UplinkConfig config_;
    uplink::ConnectOptions login_;  // what every connect has in common
    contract::Topics topics_;
    contract::Origin origin_;
    contract::GatewayStatus birth_;
    Store& store_;
    Clock& clock_;
    Log& log_;
    uplink::Transport& transport_;
    Post post_;
    uplink::CommandSink* commands_ = nullptr;

    // The owner's thread only.
    uint64_t connection_ = 0;  // id of the current (or last) connect()
    bool connecting_ = false;
    bool connected_ = false;
    int64_t connect_started_mono_ = 0;
    int64_t connect_given_up_at() const;  // a connect not reported by then is dropped
    size_t broker_index_ = 0;
    size_t failed_in_round_ = 0;
    int backoff_ms_ = 0;
    int64_t next_attempt_mono_ = 0;
    bool birth_taken_ = false;            // the broker acked this connection's birth
    int64_t connected_mono_ = 0;          // when the current connection came up
    int short_losses_ = 0;                // connections lost in a row within kStableMs
    int64_t cursor_[kLanes] = {0, 0, 0};  // newest seq published per lane
    // Published on this connection, not yet acked: the bulk bytes of each
    // (its payload; 0 for an alarm), and their sum.
    std::map<Key, size_t> inflight_;
    size_t bulk_bytes_ = 0;
    // The lane and size of the evidence or telemetry row that did not fit
    // the bulk budget: until it would, that lane and those below it are not
    // read again (each turn re-read the lane's next rows, ~37 images of
    // ~200 KB, to find that the first still did not fit).
    struct BulkBlocked {
        Lane lane;
        size_t bytes;
    };
    std::optional<BulkBlocked> bulk_blocked_;
    std::set<Key> resend_;  // publish failed: send again before newer rows
    uplink::RefusedRows refused_;
    // A lane whose rows could not be read (a page of the store damaged at
    // run time) is tried again from this monotonic time on.
    int64_t unreadable_until_[kLanes] = {0, 0, 0};

    mutable std::mutex mutex_;  // state_: read by other threads
    LinkState state_;
    std::string mode_ = "normal";  // under mutex_, with the two below
    std::optional<int64_t> mode_until_;
    bool status_changed_ = false;
};

}  // namespace gw
