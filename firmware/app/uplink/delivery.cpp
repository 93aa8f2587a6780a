#include "delivery.hpp"

#include <algorithm>
#include <future>
#include <memory>
#include <string_view>

#include "core/log_throttle.hpp"
#include "core/utf8.hpp"

namespace gw {
namespace {

// Why MQTT (and so Paho, before anything is sent) refuses `topic` as a
// publish topic, or nullptr.
const char* topic_problem(std::string_view topic) {
    if (topic.empty()) return "empty topic";
    if (topic.size() > 65535) return "topic longer than 65535 bytes";
    if (!is_utf8(topic)) return "topic is not UTF-8";
    if (topic.find_first_of(std::string_view("+#\0", 3)) != std::string_view::npos)
        return "topic holds a wildcard or NUL";
    return nullptr;
}

// A connect whose outcome never comes (it should, after
// uplink.connect_timeout_s) is given up after this much more, so the loop
// can never stall on it.
constexpr int64_t kConnectGraceMs = 10000;
constexpr int kMaxWindow = 100;
// A connection lost sooner than this after the broker took its birth makes
// the next reconnect wait twice as long as the last such one: a second
// gateway with the same client id (a cloned image), or a broker taking the
// session over, drops every connection at once, and each was made again
// after reconnect_min_ms, for ever, a TLS handshake each time.
constexpr int64_t kStableMs = 30000;
// A lane whose rows could not be read is tried again after this long.
constexpr int64_t kUnreadableRetryMs = 10000;
// Publishes beside the window: the birth, a mode change's status, the
// offline status at shutdown, command replies.
constexpr int kBufferMargin = 16;

// Paho C wants tcp:// and ssl://; the config also accepts mqtt:// and mqtts://.
std::string canonical_uri(const std::string& uri) {
    if (uri.rfind("mqtt://", 0) == 0) return "tcp://" + uri.substr(7);
    if (uri.rfind("mqtts://", 0) == 0) return "ssl://" + uri.substr(8);
    return uri;
}

}  // namespace

bool is_tls_uri(const std::string& uri) {
    return uri.rfind("ssl://", 0) == 0;
}

Delivery::Delivery(const UplinkConfig& config, const contract::Topics& topics,
                   const contract::Origin& origin, contract::GatewayStatus birth, Store& store,
                   Clock& clock, Log& log, uplink::Transport& transport, Post post)
    : config_(config),
      topics_(topics),
      origin_(origin),
      birth_(std::move(birth)),
      store_(store),
      clock_(clock),
      log_(log),
      transport_(transport),
      post_(std::move(post)),
      backoff_ms_(config.reconnect_min_ms) {
    login_.client_id = config.client_id;
    login_.keepalive_s = config.keepalive_s;
    // Without commands no broker-side session is needed: rows are resent
    // from SQLite. set_command_sink asks for one.
    login_.clean_session = true;
    login_.connect_timeout_s = config.connect_timeout_s;
    login_.max_buffered = std::clamp(config.inflight_window, 1, kMaxWindow) + kBufferMargin;
    if (config.tls)
        login_.tls =
            uplink::TlsFiles{config.tls->ca_file, config.tls->cert_file, config.tls->key_file};
}

void Delivery::set_command_sink(uplink::CommandSink* sink) {
    commands_ = sink;
    // A session the broker keeps while the gateway is away, so QoS 1
    // commands wait for it. Outgoing rows are still resent from SQLite after
    // every connect (a new client each time: nothing in flight survives).
    login_.clean_session = sink == nullptr;
}

void Delivery::set_credentials(const std::string& username, const std::string& password) {
    login_.username = username;
    login_.password = password;
}

LinkState Delivery::state() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return state_;
}

void Delivery::set_mode(const std::string& mode, std::optional<int64_t> until_ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    mode_ = mode;
    mode_until_ = until_ms;
    status_changed_ = true;
}

std::string Delivery::status_payload(bool online, bool with_mode) const {
    contract::GatewayStatus s = birth_;
    s.online = online;
    s.ts = clock_.now_ms();
    s.mode.clear();
    if (with_mode) {
        std::lock_guard<std::mutex> lock(mutex_);
        s.mode = mode_;
        s.mode_until = mode_until_;
    }
    return contract::encode_status(s, origin_);
}

void Delivery::turn(std::vector<LinkEvent>& events) {
    for (const auto& e : events) apply(e);
    const int64_t now = clock_.mono_ms();
    if (connecting_ && now >= connect_given_up_at()) {
        ++connection_;  // whatever it reports later belongs to nobody
        connecting_ = false;
        on_connect_failed("connect timed out");
    }
    if (!connected_ && !connecting_ && clock_.mono_ms() >= next_attempt_mono_) connect_next();
    if (connected_) {
        bool changed = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            std::swap(changed, status_changed_);
        }
        // A failure here is a lost link: the birth of the next connect has it.
        if (changed)
            (void)transport_.publish(topics_.status, status_payload(true), 1, true, nullptr);
        fill_window();
    }
}

int64_t Delivery::connect_given_up_at() const {
    return connect_started_mono_ + int64_t{login_.connect_timeout_s} * 1000 + kConnectGraceMs + 1;
}

// Everything that makes a row sendable wakes the owner: a commit, an ack, a
// failed publish, a mode change, the transport's reports. What is left are
// the timers: the next connect, a connect that never reports, a parked
// row's release, an unreadable lane's retry. (The store was read five times
// a second while idle.)
int64_t Delivery::idle_ms() const {
    const int64_t now = clock_.mono_ms();
    int64_t until = now + kLongestIdleMs;
    if (connecting_) until = std::min(until, connect_given_up_at());
    if (!connected_ && !connecting_) until = std::min(until, next_attempt_mono_);
    if (connected_) {
        if (auto at = refused_.next_release_ms()) until = std::min(until, *at);
        for (int64_t at : unreadable_until_)
            if (at > now) until = std::min(until, at);
    }
    return std::max<int64_t>(0, until - now);
}

void Delivery::apply(const LinkEvent& e) {
    const bool current = e.connection == connection_;
    switch (e.kind) {
        case LinkEvent::connected:
            if (!current || !connecting_) return;
            connecting_ = false;
            on_connected();
            return;
        case LinkEvent::connect_failed:
            if (!current || !connecting_) return;
            connecting_ = false;
            on_connect_failed(e.why);
            return;
        case LinkEvent::acked: {
            // The broker has it, whichever connection carried it.
            const Key key{index_of(e.lane), e.seq};
            store_.ack(e.lane, e.seq);
            refused_.acked(key, current);
            if (current) landed(key);
            std::lock_guard<std::mutex> lock(mutex_);
            state_.acked += 1;
            state_.last_puback_ms = clock_.now_ms();
            state_.inflight = static_cast<int>(inflight_.size());
            return;
        }
        case LinkEvent::publish_failed: {
            if (!current || !landed({index_of(e.lane), e.seq})) return;
            refused_.failed({index_of(e.lane), e.seq});
            // Not acked: it stays in the store and goes again, alone.
            resend_.insert({index_of(e.lane), e.seq});
            std::lock_guard<std::mutex> lock(mutex_);
            state_.last_error = e.why;
            state_.inflight = static_cast<int>(inflight_.size());
            return;
        }
        case LinkEvent::lost:
            if (!current || !connected_) return;
            link_down(e.why, "connection lost");
            return;
        case LinkEvent::birth_acked:
            if (!current) return;
            refused_.link_works();
            // The broker takes this connection's publishes: the round of
            // brokers and its backoff start again.
            birth_taken_ = true;
            failed_in_round_ = 0;
            backoff_ms_ = config_.reconnect_min_ms;
            return;
    }
}

// One connection attempt to the current broker; its outcome comes as an event.
void Delivery::connect_next() {
    const std::string uri = canonical_uri(config_.brokers[broker_index_]);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        // Readers show the error after the broker's URI: one from another
        // broker names its own.
        if (uri != state_.broker && !state_.last_error.empty())
            state_.last_error = state_.broker + ": " + state_.last_error;
        state_.broker = uri;
    }
    uplink::ConnectOptions o = login_;
    o.uri = uri;
    // The Will is fixed for the connection's life: a mode it stated could be
    // stale by the time the broker sends it, so it states none.
    o.will = uplink::Will{topics_.status, status_payload(false, false), 1, true};
    if (!o.tls && is_tls_uri(uri)) o.tls = uplink::TlsFiles{};
    const uint64_t c = ++connection_;
    uplink::ConnectionHandlers handlers;
    handlers.connected = [post = post_, c](Status s) {
        post({s ? LinkEvent::connected : LinkEvent::connect_failed, c, Lane::alarm, 0,
              s ? std::string() : s.error()});
    };
    handlers.lost = [post = post_, c](const std::string& cause) {
        post({LinkEvent::lost, c, Lane::alarm, 0, cause});
    };
    if (commands_) {
        const std::string prefix = topics_.of(contract::kCommandPrefix);
        auto foreign = std::make_shared<LogThrottle>();
        handlers.message = [sink = commands_, prefix, foreign, &log = log_,
                            &clock = clock_](const uplink::InboundMessage& m) {
            if (m.topic.rfind(prefix, 0) == 0)
                return sink->on_command(m.topic.substr(prefix.size()), m.payload, m.retained);
            // Only this gateway's cmd/+ is subscribed: another topic comes
            // from a session shared with another gateway (a cloned image, a
            // copied client_id), whose commands this one swallows.
            if (uint64_t n = foreign->note(clock.mono_ms()))
                log.warn("uplink",
                         "message for another gateway's topic: is uplink.client_id used by "
                         "another gateway too?",
                         {{"topic", m.topic}, {"count", foreign->total()}, {"since_last_line", n}});
        };
    }
    connecting_ = true;
    connect_started_mono_ = clock_.mono_ms();
    if (auto s = transport_.connect(o, std::move(handlers)); !s) {
        connecting_ = false;
        on_connect_failed(s.error());
    }
}

void Delivery::on_connected() {
    // Birth: retained, so the center sees the current state at subscribe time.
    // Its PUBACK shows the broker takes this connection's publishes at all
    // (refused_rows.hpp).
    auto taken = [post = post_, c = connection_](Status s) {
        if (s) post({LinkEvent::birth_acked, c, Lane::alarm, 0, {}});
    };
    if (auto s = transport_.publish(topics_.status, status_payload(true), 1, true, taken); !s) {
        on_connect_failed(s.error());
        return;
    }
    // Again on every connect: a broker that lost the session (restarted
    // without persistence) must still deliver commands.
    if (auto s = subscribe_commands(); !s) {
        on_connect_failed(s.error());
        return;
    }
    connected_ = true;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        state_.connected = true;
        state_.connected_since_ms = clock_.now_ms();
        state_.connects += 1;
        state_.last_error.clear();
    }
    log_.info("uplink", "connected", {{"broker", state().broker}});
    birth_taken_ = false;
    connected_mono_ = clock_.mono_ms();
    resync();
}

Status Delivery::subscribe_commands() {
    if (!commands_) return Status::success();
    // A refused subscription (an ACL without read on cmd/) leaves the link
    // up for events, which matter more; it is said loudly.
    auto done = [&log = log_, filter = topics_.of(contract::kCommandFilter)](Status s) {
        if (!s)
            log.error("uplink", "command subscription refused",
                      {{"filter", filter}, {"error", s.error()}});
    };
    return transport_.subscribe(topics_.of(contract::kCommandFilter), 1, std::move(done));
}

void Delivery::on_connect_failed(const std::string& why) {
    const std::string uri = state().broker;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        state_.last_error = why;
    }
    log_.warn("uplink", "connect failed", {{"broker", uri}, {"error", why}});
    next_broker();
}

void Delivery::next_broker() {
    broker_index_ = (broker_index_ + 1) % config_.brokers.size();
    if (++failed_in_round_ >= config_.brokers.size()) {
        failed_in_round_ = 0;
        next_attempt_mono_ = clock_.mono_ms() + backoff_ms_;
        backoff_ms_ = std::min(backoff_ms_ * 2, config_.reconnect_max_ms);
    } else {
        next_attempt_mono_ = clock_.mono_ms();  // the next broker right away
    }
}

// A new connection: every row still in the store goes out again. The store
// gathers acks before it deletes their rows (Store::ack): the flush deletes
// what was acked so far, so those rows are not sent a second time.
void Delivery::resync() {
    store_.flush();
    inflight_.clear();
    bulk_bytes_ = 0;
    resend_.clear();
    std::fill(std::begin(cursor_), std::end(cursor_), 0);
    std::lock_guard<std::mutex> lock(mutex_);
    state_.inflight = 0;
}

void Delivery::link_down(const std::string& why, const char* what) {
    judge_lost_connection();
    connected_ = false;
    plan_reconnect();
    std::string broker;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        state_.connected = false;
        state_.last_error = why;
        broker = state_.broker;
    }
    log_.warn("uplink", what, {{"broker", broker}, {"error", why}});
}

// When to connect again after a lost connection, and to which broker.
void Delivery::plan_reconnect() {
    const int64_t now = clock_.mono_ms();
    if (!birth_taken_) {
        // The broker took nothing on it (a limit or an ACL that drops a
        // connection at its first publish): a failed connect, so the next
        // broker is tried, and a round of them waits and doubles.
        next_broker();
    } else if (now - connected_mono_ < kStableMs) {
        short_losses_ = std::min(short_losses_ + 1, 20);
        next_attempt_mono_ =
            now + std::min<int64_t>(config_.reconnect_max_ms,
                                    int64_t{config_.reconnect_min_ms} << (short_losses_ - 1));
    } else {
        short_losses_ = 0;
        next_attempt_mono_ = now + config_.reconnect_min_ms;
    }
}

// A lost connection may have been the broker refusing the row out alone.
void Delivery::judge_lost_connection() {
    const auto verdict = refused_.lost(clock_.mono_ms());
    if (verdict.unparked)
        log_.warn("uplink",
                  "the connection was lost again with another row: the link, not the row parked "
                  "before, is failing; sending it again",
                  {{"lane", to_string(kAllLanes[verdict.unparked->first])},
                   {"seq", verdict.unparked->second}});
    if (verdict.parked) log_parked(*verdict.parked);
    set_parked_count();
}

void Delivery::log_parked(const Key& key) {
    const Lane lane = kAllLanes[key.first];
    auto row = store_.read(lane, key.second - 1, 1);
    const bool found = row && !row->empty() && row->front().seq == key.second;
    log_.error("uplink",
               "the broker closes the connection on this row: skipped for now, kept in the store "
               "(a broker message size limit or ACL?)",
               {{"lane", to_string(lane)},
                {"seq", key.second},
                {"topic", found ? topics_.of(row->front().topic) : std::string()},
                {"bytes", found ? static_cast<int64_t>(row->front().payload.size()) : 0},
                {"retry_in_s", uplink::RefusedRows::kParkMs / 1000}});
}

// Paho refuses such a publish with an exception, which read as a dead link:
// reconnecting (the Will fired, the birth again), the same row first again,
// and nothing behind it ever sent.
void Delivery::refuse_row(const Record& row, const char* why) {
    refused_.refuse({index_of(row.lane), row.seq}, clock_.mono_ms());
    set_parked_count();
    log_.error("uplink", "a stored row cannot be published: skipped for now, kept in the store",
               {{"lane", to_string(row.lane)},
                {"seq", row.seq},
                {"why", why},
                {"retry_in_s", uplink::RefusedRows::kParkMs / 1000}});
}

// Parked rows whose time is up go again, before the newer rows of their lane.
void Delivery::release_parked() {
    const auto due = refused_.release(clock_.mono_ms());
    if (due.empty()) return;
    resend_.insert(due.begin(), due.end());
    set_parked_count();
}

void Delivery::set_parked_count() {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.parked = refused_.parked_count();
}

// The next rows to send, in delivery order: per lane, rows whose publish
// failed first (they are older), then rows after the lane's cursor.
// `reserved` of the free slots are for alarms only: a window filled with
// evidence and telemetry (after an outage, 50 images of ~200 KB on a slow
// cellular link) would otherwise hold a new alarm back until one of them
// was acknowledged.
std::vector<Record> Delivery::next_rows(int free, int reserved) {
    for (Lane lane : kAllLanes) {
        if (lane != Lane::alarm) free -= reserved, reserved = 0;
        if (free <= 0) break;
        if (bulk_blocked_ && index_of(lane) >= index_of(bulk_blocked_->lane)) {
            if (!bulk_fits(bulk_blocked_->bytes)) break;
            bulk_blocked_.reset();
        }
        if (clock_.mono_ms() < unreadable_until_[index_of(lane)]) continue;
        auto rows = next_rows_of(lane, free);
        if (!rows) {
            lane_unreadable(lane, rows.error());
            continue;
        }
        if (unreadable_until_[index_of(lane)] != 0) lane_readable(lane);
        if (!rows->empty()) return std::move(*rows);
    }
    return {};
}

Result<std::vector<Record>> Delivery::next_rows_of(Lane lane, int free) {
    const int l = index_of(lane);
    std::vector<Record> rows;
    for (auto it = resend_.lower_bound({l, 0});
         it != resend_.end() && it->first == l && static_cast<int>(rows.size()) < free;) {
        if (refused_.parked(*it)) {
            it = resend_.erase(it);
            continue;
        }
        auto row = store_.read(lane, it->second - 1, 1);
        if (!row) return fail(row.error());
        if (row->empty() || row->front().seq != it->second) {
            it = resend_.erase(it);  // acked meanwhile, or evicted
            continue;
        }
        rows.push_back(std::move(row->front()));
        ++it;
    }
    if (!rows.empty()) return rows;
    for (;;) {
        auto fresh = store_.read(lane, cursor_[l], free);
        if (!fresh) return fail(fresh.error());
        if (fresh->empty()) break;
        const int64_t last = fresh->back().seq;
        fresh->erase(std::remove_if(fresh->begin(), fresh->end(),
                                    [&](const Record& r) {
                                        return refused_.parked({l, r.seq});
                                    }),
                     fresh->end());
        if (!fresh->empty()) return fresh;
        cursor_[l] = last;  // a page of parked rows only: past them
    }
    return std::vector<Record>{};
}

// A read of rows to send failed: a page of the store damaged at run time
// (the check at open finds only what is damaged by then), a failing card.
// That is no fault of the link, which used to be dropped and made again
// every reconnect_min_ms, the other lanes held back with it. The lane waits
// and is tried again; the daemon has a damaged file salvaged meanwhile
// (Daemon::salvage_due).
void Delivery::lane_unreadable(Lane lane, const std::string& error) {
    const bool first = unreadable_until_[index_of(lane)] == 0;  // logged once, not every retry
    unreadable_until_[index_of(lane)] = clock_.mono_ms() + kUnreadableRetryMs;
    if (first)
        log_.error("uplink",
                   "rows to send cannot be read from the store: this lane waits (a damaged store "
                   "file is salvaged once its check finds the damage)",
                   {{"lane", to_string(lane)},
                    {"error", error},
                    {"retry_in_s", kUnreadableRetryMs / 1000}});
    std::lock_guard<std::mutex> lock(mutex_);
    state_.store_error = to_string(lane) + std::string(": ") + error;
}

void Delivery::lane_readable(Lane lane) {
    unreadable_until_[index_of(lane)] = 0;
    log_.warn("uplink", "rows to send can be read again", {{"lane", to_string(lane)}});
    for (int64_t until : unreadable_until_)
        if (until != 0) return;  // another lane still cannot be read: its error stays
    std::lock_guard<std::mutex> lock(mutex_);
    state_.store_error.clear();
}

Status Delivery::publish(Record& row, std::string topic) {
    const Key key{index_of(row.lane), row.seq};
    const size_t bytes = bulk_bytes(row);
    auto done = [post = post_, c = connection_, lane = row.lane, seq = row.seq](Status s) {
        post({s ? LinkEvent::acked : LinkEvent::publish_failed, c, lane, seq,
              s ? std::string() : s.error()});
    };
    if (auto s =
            transport_.publish(std::move(topic), std::move(row.payload), 1, false, std::move(done));
        !s)
        return s;
    cursor_[key.first] = std::max(cursor_[key.first], row.seq);
    resend_.erase(key);
    inflight_.emplace(key, bytes);
    bulk_bytes_ += bytes;
    return Status::success();
}

// Alarms are not counted: they are what the bulk bytes must not hold back.
size_t Delivery::bulk_bytes(const Record& row) {
    return row.lane == Lane::alarm ? 0 : row.payload.size();
}

bool Delivery::bulk_fits(const Record& row) const {
    // Paho sends publishes in order on one TCP stream, so a slot kept for
    // alarms only let an alarm be queued at once: after an outage it still
    // went out behind 38 images of ~200 KB in flight, minutes on a slow
    // cellular link. Now behind uplink.inflight_bulk_kb and one row at most.
    return row.lane == Lane::alarm || bulk_fits(bulk_bytes(row));
}

bool Delivery::bulk_fits(size_t bytes) const {
    return bulk_bytes_ == 0 || bulk_bytes_ + bytes <= size_t(config_.inflight_bulk_kb) * 1024;
}

bool Delivery::landed(const Key& key) {
    auto it = inflight_.find(key);
    if (it == inflight_.end()) return false;
    bulk_bytes_ -= it->second;
    inflight_.erase(it);
    return true;
}

// The rows that may go now: the free part of the window, a quarter of it
// (at least one) kept for alarms; after a lost connection one at a time (refused_rows.hpp).
uplink::RefusedRows::Slots Delivery::free_slots() const {
    if (refused_.careful()) return refused_.careful_slots(inflight_.size());
    const int window = std::clamp(config_.inflight_window, 1, kMaxWindow);
    // At least one slot from a window of 2 on: a window of 2 or 3 kept
    // none, and an alarm waited behind images on a slow link.
    const int for_alarms = window >= 2 ? std::max(1, window / 4) : 0;
    return {window - static_cast<int>(inflight_.size()), for_alarms};
}

void Delivery::fill_window() {
    release_parked();
    int64_t published = 0;
    std::string error;
    bool bulk_full = false;
    for (auto slots = free_slots(); slots.free > 0 && error.empty() && !bulk_full;
         slots = free_slots()) {
        auto rows = next_rows(slots.free, slots.reserved);
        if (rows.empty()) break;
        for (auto& r : rows) {
            // Rows come lane by lane, alarms first: none is left behind.
            if (!bulk_fits(r)) {
                bulk_full = true;
                bulk_blocked_ = BulkBlocked{r.lane, bulk_bytes(r)};
                break;
            }
            const Key key{index_of(r.lane), r.seq};
            std::string topic = topics_.of(r.topic);
            if (const char* why = topic_problem(topic)) {
                refuse_row(r, why);
                continue;
            }
            if (auto s = publish(r, std::move(topic)); !s) {
                error = s.error();
                break;
            }
            refused_.published(key, inflight_.size());
            ++published;
        }
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        state_.published += published;
        state_.inflight = static_cast<int>(inflight_.size());
    }
    // A publish that cannot even be queued means the link is gone.
    if (!error.empty()) link_down(error, "publish failed, reconnecting");
}

void Delivery::shutdown(int wait_ms) {
    // A clean disconnect does not fire the Will: say offline ourselves. Also
    // when the link was marked down but no new connect has replaced it yet
    // (a refused publish): the old connection may still carry it, and
    // without a connection the publish fails at once.
    auto said = std::make_shared<std::promise<void>>();
    auto f = said->get_future();
    if (transport_.publish(topics_.status, status_payload(false), 1, true,
                           [said](Status) { said->set_value(); }))
        f.wait_for(std::chrono::milliseconds(wait_ms));
    transport_.disconnect(wait_ms);
    connected_ = connecting_ = false;
    std::lock_guard<std::mutex> lock(mutex_);
    state_.connected = false;
}

}  // namespace gw
