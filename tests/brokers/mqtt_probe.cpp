#include "mqtt_probe.hpp"

#include <chrono>
#include <memory>
#include <thread>

#include <mqtt/async_client.h>

#include "support/subscriber.hpp"

namespace gw::test {
namespace {

constexpr int kWaitMs = 20000;

// A bare Paho client: connect, publish and wait for the broker's answer.
class RawClient {
  public:
    RawClient(const std::string& uri, const std::string& id)
        : client_(std::make_unique<mqtt::async_client>(
              uri, id, static_cast<mqtt::iclient_persistence*>(nullptr))) {
        mqtt::connect_options opts;
        opts.set_clean_session(true);
        opts.set_keep_alive_interval(10);
        try {
            client_->connect(opts)->wait_for(std::chrono::milliseconds(kWaitMs));
        } catch (const mqtt::exception& e) {
            error_ = e.what();
        }
    }
    ~RawClient() {
        try {
            if (client_->is_connected())
                client_->disconnect()->wait_for(std::chrono::milliseconds(2000));
        } catch (const mqtt::exception&) {
            // Already closed by the broker: nothing to say goodbye to.
        }
    }
    // "" once the broker completed the publish (PUBACK, or PUBCOMP for QoS 2),
    // else what happened instead.
    std::string publish(const std::string& topic, const std::string& payload, int qos,
                        bool retained) {
        if (!error_.empty()) return "connect failed: " + error_;
        try {
            auto tok = client_->publish(mqtt::make_message(topic, payload, qos, retained));
            auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
            while (!tok->wait_for(std::chrono::milliseconds(100))) {
                if (!client_->is_connected()) return "the broker closed the connection";
                if (std::chrono::steady_clock::now() > deadline) return "no acknowledgement";
            }
            return "";
        } catch (const mqtt::exception& e) {
            return e.what();
        }
    }
    int granted_qos(const std::string& filter, int qos) {
        try {
            auto tok = client_->subscribe(filter, qos);
            if (!tok->wait_for(std::chrono::milliseconds(kWaitMs))) return -1;
            auto codes = tok->get_subscribe_response().get_reason_codes();
            return codes.empty() ? -1 : static_cast<int>(codes.front());
        } catch (const mqtt::exception&) {
            return -1;
        }
    }

  private:
    std::unique_ptr<mqtt::async_client> client_;
    std::string error_;
};

bool has_payload(const std::vector<Received>& msgs, const std::string& payload) {
    for (const auto& m : msgs)
        if (m.payload == payload) return true;
    return false;
}

// Whether a subscriber on `filter`, arriving after `topic` was retained, gets
// it. A live marker published after the subscription is in place arrives
// after any retained message, so "not delivered" needs no timeout.
bool retained_reaches(const std::string& uri, const std::string& id, const std::string& filter,
                      const std::string& marker_topic, const std::string& retained_payload) {
    Subscriber late(uri, id, filter);
    if (!late.ready(kWaitMs)) return false;
    const std::string marker = "marker-" + id;
    RawClient(uri, id + "-m").publish(marker_topic, marker, 1, false);
    if (!late.wait_until([&](const auto& m) { return has_payload(m, marker); }, kWaitMs))
        return false;
    return has_payload(late.messages(), retained_payload);
}

bool delivered_intact(const std::string& uri, const std::string& tag, size_t size) {
    const std::string filter = "probe/" + tag + "/big/#";
    Subscriber sub(uri, "probe-" + tag + "-big-" + std::to_string(size), filter);
    if (!sub.ready(kWaitMs)) return false;
    std::string payload(size, '\0');
    for (size_t i = 0; i < size; ++i) payload[i] = static_cast<char>((i * 7919 + size) & 0xFF);
    auto err = RawClient(uri, "probe-" + tag + "-bigpub")
                   .publish("probe/" + tag + "/big/x", payload, 1, false);
    if (!err.empty()) return false;
    return sub.wait_until([&](const auto& m) { return has_payload(m, payload); }, kWaitMs);
}

}  // namespace

BrokerFeatures probe_broker(const std::string& uri, const std::string& tag) {
    BrokerFeatures f;
    const std::string base = "probe/" + tag;

    {  // QoS 1 and a session kept across a disconnect
        const std::string id = "probe-" + tag + "-session";
        {
            Subscriber first(uri, id, base + "/ps/#");
            first.ready(kWaitMs);
        }
        f.qos1 =
            RawClient(uri, id + "-pub").publish(base + "/ps/x", "while-away", 1, false).empty();
        Subscriber again(uri, id, base + "/ps/#");
        f.persistent_session =
            f.qos1 &&
            again.wait_until([](const auto& m) { return has_payload(m, "while-away"); }, kWaitMs);
    }
    f.qos2_granted = RawClient(uri, "probe-" + tag + "-q2sub").granted_qos(base + "/q2/#", 2);
    f.qos2_publish =
        RawClient(uri, "probe-" + tag + "-q2").publish(base + "/q2/x", "two", 2, false).empty();

    const std::string status = base + "/ret/gw-1/status";
    if (RawClient(uri, "probe-" + tag + "-ret").publish(status, "retained-1", 1, true).empty()) {
        f.retained_exact =
            retained_reaches(uri, "probe-" + tag + "-late-exact", status, status, "retained-1");
        f.retained_wildcard = retained_reaches(uri, "probe-" + tag + "-late-wild", base + "/ret/#",
                                               base + "/ret/marker", "retained-1");
    }

    {  // a '.' inside a topic level, as in a gateway id "gw.1"
        Subscriber sub(uri, "probe-" + tag + "-dotsub", base + "/dot/#");
        sub.ready(kWaitMs);
        const std::string topic = base + "/dot/s.1/gw.1/event";
        auto err = RawClient(uri, "probe-" + tag + "-dot").publish(topic, "dotted", 1, false);
        if (!err.empty()) {
            f.dot_topic = "refused: " + err;
        } else if (sub.wait_until([](const auto& m) { return has_payload(m, "dotted"); },
                                  kWaitMs)) {
            for (const auto& m : sub.messages())
                if (m.payload == "dotted")
                    f.dot_topic = m.topic == topic ? "kept" : "rewritten to " + m.topic;
        } else {
            f.dot_topic = "acknowledged, not delivered";
        }
    }

    f.payload_150k = delivered_intact(uri, tag, 150 * 1024);
    f.payload_1m = delivered_intact(uri, tag, 1024 * 1024);
    return f;
}

std::string describe(const BrokerFeatures& f) {
    auto yn = [](bool b) { return b ? "yes" : "no"; };
    return std::string("qos1=") + yn(f.qos1) + " qos2_granted=" + std::to_string(f.qos2_granted) +
           " qos2_publish=" + yn(f.qos2_publish) + " retained_exact=" + yn(f.retained_exact) +
           " retained_wildcard=" + yn(f.retained_wildcard) +
           " persistent_session=" + yn(f.persistent_session) + " dot_topic=" + f.dot_topic +
           " payload_150k=" + yn(f.payload_150k) + " payload_1m=" + yn(f.payload_1m);
}

}  // namespace gw::test
