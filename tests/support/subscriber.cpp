#include "subscriber.hpp"

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

namespace gw::test {

class Subscriber::Callback final : public mqtt::callback, public mqtt::iaction_listener {
  public:
    explicit Callback(Subscriber& s) : s_(s) {}
    void connected(const std::string&) override {
        // Non-blocking: only starts the subscribe; on_success reports it.
        client->subscribe(s_.filter_, 1, nullptr, *this);
    }
    void message_arrived(mqtt::const_message_ptr msg) override {
        s_.on_message({msg->get_topic(), msg->to_string(), msg->is_retained()});
    }
    void on_success(const mqtt::token&) override { s_.on_subscribed(); }
    void on_failure(const mqtt::token&) override {}
    mqtt::async_client* client = nullptr;

  private:
    Subscriber& s_;
};

Subscriber::Subscriber(const std::string& uri, const std::string& client_id,
                       const std::string& filter)
    : filter_(filter), callback_(std::make_unique<Callback>(*this)) {
    client_ = std::make_unique<mqtt::async_client>(
        uri, client_id, static_cast<mqtt::iclient_persistence*>(nullptr));
    callback_->client = client_.get();
    client_->set_callback(*callback_);
    mqtt::connect_options opts;
    opts.set_clean_session(false);
    opts.set_automatic_reconnect(std::chrono::milliseconds(100), std::chrono::milliseconds(500));
    opts.set_keep_alive_interval(5);
    client_->connect(opts);
}

Subscriber::~Subscriber() {
    try {
        client_->disconnect(std::chrono::milliseconds(200))
            ->wait_for(std::chrono::milliseconds(500));
    } catch (const mqtt::exception&) {
        // Broker already gone: nothing to say goodbye to.
    }
}

void Subscriber::on_message(Received r) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        messages_.push_back(std::move(r));
    }
    cv_.notify_all();
}

void Subscriber::on_subscribed() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        subscribed_ = true;
    }
    cv_.notify_all();
}

bool Subscriber::ready(int timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return subscribed_; });
}

std::vector<Received> Subscriber::messages() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
}

bool Subscriber::wait_until(const std::function<bool(const std::vector<Received>&)>& pred,
                            int timeout_ms) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [&] { return pred(messages_); });
}

std::vector<nlohmann::json> events_of_type(const std::vector<Received>& msgs,
                                           const std::string& type) {
    std::vector<nlohmann::json> out;
    for (const auto& m : msgs) {
        if (!ends_with(m.topic, "/event")) continue;
        auto j = nlohmann::json::parse(m.payload, nullptr, false);
        if (!j.is_discarded() && j.value("type", "") == type) out.push_back(std::move(j));
    }
    return out;
}

bool has_event(const std::vector<Received>& msgs, const std::string& type,
               const std::string& state) {
    for (const auto& e : events_of_type(msgs, type))
        if (e.value("state", "") == state) return true;
    return false;
}

}  // namespace gw::test
