#include "uplink.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <mqtt/async_client.h>

namespace gw {
namespace {

constexpr int kConnectTimeoutS = 5;
constexpr int kStopWaitMs = 400;

// Paho C wants tcp:// and ssl://; the config also accepts mqtt:// and mqtts://.
std::string paho_uri(const std::string& uri) {
    if (uri.rfind("mqtt://", 0) == 0) return "tcp://" + uri.substr(7);
    if (uri.rfind("mqtts://", 0) == 0) return "ssl://" + uri.substr(8);
    return uri;
}

bool is_tls_uri(const std::string& uri) {
    return uri.rfind("ssl://", 0) == 0;
}

void* pack(Lane lane, int64_t seq) {
    return reinterpret_cast<void*>(static_cast<uintptr_t>(seq) << 1 | static_cast<uintptr_t>(lane));
}
std::pair<Lane, int64_t> unpack(void* ctx) {
    auto v = reinterpret_cast<uintptr_t>(ctx);
    return {static_cast<Lane>(v & 1), static_cast<int64_t>(v >> 1)};
}

Status readable(const std::string& what, const std::string& path) {
    if (::access(path.c_str(), R_OK) != 0)
        return fail(what + " " + path + " cannot be read: " + std::strerror(errno));
    return Status::success();
}

}  // namespace

Result<Credentials> read_credentials(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return fail("credentials file " + path + ": " + std::strerror(errno));
    if (st.st_mode & (S_IROTH | S_IWOTH)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        const char* what = (st.st_mode & S_IROTH) ? "world-readable" : "world-writable";
        return fail("credentials file " + path + " is " + what + " (mode " + mode +
                    "): refusing to use it; run `chmod o-rwx " + path + "`");
    }
    std::ifstream in(path);
    Credentials c;
    if (!in || !std::getline(in, c.username) || c.username.empty())
        return fail("credentials file " + path + ": expected \"username\\npassword\"");
    std::getline(in, c.password);
    for (auto* s : {&c.username, &c.password})
        if (!s->empty() && s->back() == '\r') s->pop_back();
    return c;
}

// Paho runs these on its own thread with its lock held: they only queue.
class Uplink::Callbacks final : public mqtt::callback {
  public:
    explicit Callbacks(Uplink& u) : u_(u) {}
    void connection_lost(const std::string& cause) override {
        u_.push({Outcome::lost, Lane::alarm, 0, cause.empty() ? "connection lost" : cause});
    }

  private:
    Uplink& u_;
};

class Uplink::PublishListener final : public mqtt::iaction_listener {
  public:
    explicit PublishListener(Uplink& u) : u_(u) {}
    void on_success(const mqtt::token& tok) override {
        auto [lane, seq] = unpack(tok.get_user_context());
        u_.push({Outcome::acked, lane, seq, {}});
    }
    void on_failure(const mqtt::token& tok) override {
        auto [lane, seq] = unpack(tok.get_user_context());
        u_.push({Outcome::failed, lane, seq,
                 "publish failed, rc " + std::to_string(tok.get_return_code())});
    }

  private:
    Uplink& u_;
};

Uplink::Uplink(const UplinkConfig& config, const contract::Topics& topics,
               const contract::Origin& origin, contract::GatewayStatus birth, Store& store,
               Clock& clock, Log& log)
    : config_(config),
      topics_(topics),
      origin_(origin),
      birth_(std::move(birth)),
      store_(store),
      clock_(clock),
      log_(log),
      callbacks_(std::make_unique<Callbacks>(*this)),
      listener_(std::make_unique<PublishListener>(*this)) {
    backoff_ms_ = config_.reconnect_min_ms;
}

Uplink::~Uplink() {
    stop();
}

Status Uplink::start() {
    if (config_.brokers.empty()) return fail("uplink: no broker configured");
    if (!config_.credentials_file.empty()) {
        auto c = read_credentials(config_.credentials_file);
        if (!c) return fail(c.error());
        credentials_ = *c;
    }
    if (config_.tls) {
        if (auto s = readable("uplink.tls.ca_file", config_.tls->ca_file); !s) return s;
        if (!config_.tls->cert_file.empty()) {
            if (auto s = readable("uplink.tls.cert_file", config_.tls->cert_file); !s) return s;
            if (auto s = readable("uplink.tls.key_file", config_.tls->key_file); !s) return s;
        }
    }
    store_.set_on_commit([this] { wake(); });
    thread_ = std::thread([this] { run(); });
    return Status::success();
}

void Uplink::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    store_.set_on_commit(nullptr);
}

void Uplink::wake() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        woken_ = true;
    }
    cv_.notify_one();
}

void Uplink::push(Outcome o) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        outcomes_.push_back(std::move(o));
    }
    cv_.notify_one();
}

LinkState Uplink::state() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return state_;
}

void Uplink::set_error(const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.last_error = why;
}

std::string Uplink::status_payload(bool online) const {
    contract::GatewayStatus s = birth_;
    s.online = online;
    s.ts = clock_.now_ms();
    return contract::encode_status(s, origin_);
}

void Uplink::run() {
    std::vector<Outcome> outcomes;
    for (;;) {
        bool connected;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            const int64_t wait_ms =
                state_.connected ? 200
                                 : std::max<int64_t>(0, next_attempt_mono_ - clock_.mono_ms());
            cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                         [&] { return stop_ || woken_ || !outcomes_.empty(); });
            if (stop_) break;
            woken_ = false;
            outcomes.swap(outcomes_);
            connected = state_.connected;
        }
        handle(outcomes);
        outcomes.clear();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            connected = state_.connected;
        }
        if (!connected) {
            if (clock_.mono_ms() >= next_attempt_mono_ && connect_next()) fill_window();
        } else {
            fill_window();
        }
    }
    disconnect_client(true);
}

// One connection attempt to the current broker. On failure, moves to the
// next broker; after a whole round of failures, the backoff doubles.
bool Uplink::connect_next() {
    const std::string uri = paho_uri(config_.brokers[broker_index_]);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        state_.broker = uri;
    }
    client_.reset();
    mqtt::connect_options opts;
    opts.set_keep_alive_interval(config_.keepalive_s);
    opts.set_clean_session(true);  // we resend from SQLite; no broker-side session needed
    opts.set_automatic_reconnect(false);
    opts.set_connect_timeout(kConnectTimeoutS);
    opts.set_will(mqtt::will_options(topics_.status, status_payload(false), 1, true));
    if (!credentials_.username.empty()) {
        opts.set_user_name(credentials_.username);
        opts.set_password(credentials_.password);
    }
    if (config_.tls || is_tls_uri(uri)) {
        mqtt::ssl_options ssl;
        if (config_.tls) {
            ssl.set_trust_store(config_.tls->ca_file);
            if (!config_.tls->cert_file.empty()) {
                ssl.set_key_store(config_.tls->cert_file);
                ssl.set_private_key(config_.tls->key_file);
            }
        }
        ssl.set_enable_server_cert_auth(true);
        ssl.set_verify(true);  // host name must match the certificate
        // No ssl error_handler: Paho 1.2 calls it through a pointer to the
        // ssl_options that set_ssl() copied from (use after scope, seen
        // under ASan). The connect failure carries the reason anyway.
        opts.set_ssl(std::move(ssl));
    }
    std::string why;
    try {
        client_ = std::make_unique<mqtt::async_client>(
            uri, config_.client_id, static_cast<mqtt::iclient_persistence*>(nullptr));
        client_->set_callback(*callbacks_);
        auto tok = client_->connect(opts);
        for (;;) {
            if (tok->wait_for(std::chrono::milliseconds(50))) break;
            std::lock_guard<std::mutex> lock(mutex_);
            if (stop_) return false;
        }
        // Birth: retained, so the center sees the current state at subscribe time.
        client_->publish(mqtt::make_message(topics_.status, status_payload(true), 1, true));
    } catch (const mqtt::exception& e) {
        why = e.what();
    }
    if (why.empty()) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            state_.connected = true;
            state_.connected_since_ms = clock_.now_ms();
            state_.connects += 1;
            state_.last_error.clear();
        }
        log_.info("uplink", "connected", {{"broker", uri}});
        failed_in_round_ = 0;
        backoff_ms_ = config_.reconnect_min_ms;
        resync();
        return true;
    }
    client_.reset();
    set_error(uri + ": " + why);
    log_.warn("uplink", "connect failed", {{"broker", uri}, {"error", why}});
    broker_index_ = (broker_index_ + 1) % config_.brokers.size();
    if (++failed_in_round_ >= config_.brokers.size()) {
        failed_in_round_ = 0;
        next_attempt_mono_ = clock_.mono_ms() + backoff_ms_;
        backoff_ms_ = std::min(backoff_ms_ * 2, config_.reconnect_max_ms);
    } else {
        next_attempt_mono_ = clock_.mono_ms();  // the next broker right away
    }
    return false;
}

// Every unacked row goes out again: start both lanes at the oldest row.
void Uplink::resync() {
    inflight_.clear();
    cursor_[0] = cursor_[1] = 0;
    std::lock_guard<std::mutex> lock(mutex_);
    state_.inflight = 0;
}

void Uplink::handle(std::vector<Outcome>& outcomes) {
    bool lost = false, failed = false;
    std::string why;
    int64_t acked = 0;
    for (auto& o : outcomes) {
        if (o.kind == Outcome::acked) {
            store_.ack(o.lane, o.seq);
            inflight_.erase({static_cast<int>(o.lane), o.seq});
            ++acked;
        } else {
            (o.kind == Outcome::lost ? lost : failed) = true;
            why = o.why;
        }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (acked > 0) {
        state_.acked += acked;
        state_.last_puback_ms = clock_.now_ms();
    }
    state_.inflight = static_cast<int>(inflight_.size());
    if (lost && state_.connected) {
        state_.connected = false;
        state_.last_error = why;
        next_attempt_mono_ = clock_.mono_ms() + config_.reconnect_min_ms;
        log_.warn("uplink", "connection lost", {{"broker", state_.broker}, {"error", why}});
    } else if (failed && state_.connected) {
        // Not acked: it stays in the store; send everything unacked again.
        state_.last_error = why;
        inflight_.clear();
        cursor_[0] = cursor_[1] = 0;
        state_.inflight = 0;
    }
}

void Uplink::fill_window() {
    const size_t window = static_cast<size_t>(std::clamp(config_.inflight_window, 1, 100));
    int64_t published = 0;
    std::string error;
    while (inflight_.size() < window && error.empty()) {
        const int free = static_cast<int>(window - inflight_.size());
        Lane lane = Lane::alarm;
        auto rows = store_.read(lane, cursor_[0], free);
        if (rows && rows->empty()) {
            lane = Lane::telemetry;
            rows = store_.read(lane, cursor_[1], free);
        }
        if (!rows) {
            error = rows.error();
            break;
        }
        if (rows->empty()) break;
        const std::string& lane_topic = lane == Lane::alarm ? topics_.event : topics_.telemetry;
        for (auto& r : *rows) {
            try {
                // Evidence images ride the alarm lane (right after their
                // event) but have a topic of their own.
                std::string evidence_of =
                    lane == Lane::alarm ? contract::evidence_event_id(r.payload) : std::string();
                const std::string topic =
                    evidence_of.empty() ? lane_topic : topics_.evidence(evidence_of);
                auto msg = mqtt::make_message(topic, std::move(r.payload), 1, false);
                client_->publish(msg, pack(lane, r.seq), *listener_);
            } catch (const mqtt::exception& e) {
                error = e.what();
                break;
            }
            cursor_[static_cast<int>(lane)] = r.seq;
            inflight_.insert({static_cast<int>(lane), r.seq});
            ++published;
        }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    state_.published += published;
    state_.inflight = static_cast<int>(inflight_.size());
    if (!error.empty()) {
        // A publish that cannot even be queued means the link is gone.
        state_.last_error = error;
        if (state_.connected) {
            state_.connected = false;
            next_attempt_mono_ = clock_.mono_ms() + config_.reconnect_min_ms;
            log_.warn("uplink", "publish failed, reconnecting", {{"error", error}});
        }
    }
}

void Uplink::disconnect_client(bool say_offline) {
    if (!client_) return;
    try {
        if (say_offline && client_->is_connected()) {
            // A clean disconnect does not fire the Will: say offline ourselves.
            client_->publish(mqtt::make_message(topics_.status, status_payload(false), 1, true))
                ->wait_for(std::chrono::milliseconds(kStopWaitMs));
        }
        if (client_->is_connected())
            client_->disconnect(kStopWaitMs)->wait_for(std::chrono::milliseconds(kStopWaitMs));
    } catch (const mqtt::exception& e) {
        log_.warn("uplink", "disconnect", {{"error", e.what()}});
    }
    client_.reset();
    std::lock_guard<std::mutex> lock(mutex_);
    state_.connected = false;
}

}  // namespace gw
