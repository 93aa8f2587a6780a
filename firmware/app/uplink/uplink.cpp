#include "uplink.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/start_checks.hpp"
#include "paho_transport.hpp"

namespace gw {
namespace {

constexpr int kStopWaitMs = 400;
// The longest the thread sleeps between turns, so its heartbeat shows it is
// alive through a long reconnect backoff too.
constexpr int64_t kMaxIdleMs = 5000;

}  // namespace

Uplink::Uplink(const UplinkConfig& config, const contract::Topics& topics,
               const contract::Origin& origin, contract::GatewayStatus birth, Store& store,
               Clock& clock, Log& log)
    : Uplink(config, topics, origin, std::move(birth), store, clock, log,
             std::make_unique<uplink::PahoTransport>()) {}

Uplink::Uplink(const UplinkConfig& config, const contract::Topics& topics,
               const contract::Origin& origin, contract::GatewayStatus birth, Store& store,
               Clock& clock, Log& log, std::unique_ptr<uplink::Transport> transport)
    : config_(config),
      store_(store),
      clock_(clock),
      transport_(std::move(transport)),
      delivery_(config, topics, origin, std::move(birth), store, clock, log, *transport_,
                [this](LinkEvent e) { push(std::move(e)); }) {}

Uplink::~Uplink() {
    stop();
    transport_.reset();  // before the queue its callbacks push to goes away
}

Status Uplink::start() {
    if (config_.brokers.empty()) return fail("uplink: no broker configured");
    if (!config_.credentials_file.empty()) {
        auto c = read_credentials(config_.credentials_file);
        if (!c) return fail("uplink.credentials_file: " + c.error());
        delivery_.set_credentials(c->username, c->password);
    }
    if (auto tls = tls_file_problems(config_); !tls.empty()) return fail(tls.front());
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

void Uplink::push(LinkEvent e) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        events_.push_back(std::move(e));
    }
    cv_.notify_one();
}

void Uplink::set_mode(const std::string& mode, std::optional<int64_t> until_ms) {
    delivery_.set_mode(mode, until_ms);
    wake();
}

LinkState Uplink::state() const {
    return delivery_.state();
}

void Uplink::run() {
    std::vector<LinkEvent> events;
    for (;;) {
        beat_.beat(clock_.mono_ms());
        {
            std::unique_lock<std::mutex> lock(mutex_);
            const int64_t idle_ms = std::min(delivery_.idle_ms(), kMaxIdleMs);
            cv_.wait_for(lock, std::chrono::milliseconds(idle_ms),
                         [&] { return stop_ || woken_ || !events_.empty(); });
            if (stop_) break;
            woken_ = false;
            events.swap(events_);
        }
        delivery_.turn(events);
        events.clear();
    }
    delivery_.shutdown(kStopWaitMs);
}

}  // namespace gw
