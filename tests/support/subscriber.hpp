#pragma once
// A test subscriber (Paho async) collecting every message under a topic
// filter, in arrival order. Reconnects by itself and keeps its session
// (clean_session=false), so with a persistent broker nothing published while
// it was away is missed.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mqtt {
class async_client;
}

namespace gw::test {

struct Received {
    std::string topic;
    std::string payload;
    bool retained = false;
};

inline bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The events (topic .../event) of `type` received, parsed, in arrival order.
std::vector<nlohmann::json> events_of_type(const std::vector<Received>& msgs,
                                           const std::string& type);
// Whether an event of `type` in `state` was received.
bool has_event(const std::vector<Received>& msgs, const std::string& type,
               const std::string& state);

class Subscriber {
  public:
    Subscriber(const std::string& uri, const std::string& client_id, const std::string& filter);
    ~Subscriber();
    // Waits until the subscription is in place.
    bool ready(int timeout_ms);
    std::vector<Received> messages() const;
    // Waits until pred(messages) is true; returns it.
    bool wait_until(const std::function<bool(const std::vector<Received>&)>& pred,
                    int timeout_ms) const;

  private:
    class Callback;
    void on_message(Received r);
    void on_subscribed();

    std::string filter_;
    std::unique_ptr<Callback> callback_;
    std::unique_ptr<mqtt::async_client> client_;
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::vector<Received> messages_;
    bool subscribed_ = false;
};

}  // namespace gw::test
