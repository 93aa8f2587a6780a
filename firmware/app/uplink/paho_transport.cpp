#include "paho_transport.hpp"

#include <algorithm>
#include <chrono>

#include <mqtt/async_client.h>

namespace gw::uplink {
namespace {

// Paho's own words for a failure ("TCP/TLS connect failure", ...), which
// token offers no getter for in 1.2: its check in wait_for() throws them.
// Safe here: Paho marks the token complete and releases its lock before it
// calls the listener (token.cpp), so wait_for(0) returns at once.
std::string error_text(const mqtt::token& tok) {
    try {
        const_cast<mqtt::token&>(tok).wait_for(std::chrono::milliseconds(0));
    } catch (const mqtt::exception& e) {
        return e.what();
    }
    return mqtt::exception::printable_error(tok.get_return_code(), tok.get_reason_code());
}

// Paho's queue must hold a whole window: max_buffered_messages is not only
// the offline buffer's size but also caps publishes queued while connected.
// Offline buffering itself stays off (send_while_disconnected false): the
// store resends after a reconnect, and Paho's buffer drops messages silently
// (libraries.md). Not async_client(uri, id, N, nullptr): that overload
// turns offline buffering on.
mqtt::create_options paho_create_options(const ConnectOptions& o) {
    mqtt::create_options co(MQTTVERSION_DEFAULT);
    co.set_max_buffered_messages(std::max(100, o.max_buffered));
    co.set_send_while_disconnected(false);
    return co;
}

mqtt::connect_options paho_options(const ConnectOptions& o) {
    mqtt::connect_options opts;
    opts.set_keep_alive_interval(o.keepalive_s);
    opts.set_clean_session(o.clean_session);
    opts.set_automatic_reconnect(false);
    opts.set_connect_timeout(o.connect_timeout_s);
    if (o.will)
        opts.set_will(
            mqtt::will_options(o.will->topic, o.will->payload, o.will->qos, o.will->retained));
    if (!o.username.empty()) {
        opts.set_user_name(o.username);
        opts.set_password(o.password);
    }
    if (o.tls) {
        mqtt::ssl_options ssl;
        if (!o.tls->ca_file.empty()) ssl.set_trust_store(o.tls->ca_file);
        if (!o.tls->cert_file.empty()) {
            ssl.set_key_store(o.tls->cert_file);
            ssl.set_private_key(o.tls->key_file);
        }
        ssl.set_enable_server_cert_auth(true);
        ssl.set_verify(true);  // host name must match the certificate
        // No ssl error_handler: Paho 1.2 calls it through a pointer to the
        // ssl_options that set_ssl() copied from (use after scope, seen
        // under ASan). The connect failure carries the reason anyway.
        opts.set_ssl(std::move(ssl));
    }
    return opts;
}

}  // namespace

// Paho runs these on its own thread with its lock held: they only hand on.
class PahoTransport::Callbacks final : public mqtt::callback {
  public:
    explicit Callbacks(ConnectionHandlers h) : h_(std::move(h)) {}
    void connection_lost(const std::string& cause) override {
        if (h_.lost) h_.lost(cause.empty() ? "connection lost" : cause);
    }
    void message_arrived(mqtt::const_message_ptr msg) override {
        if (h_.message && msg)
            h_.message({msg->get_topic(), msg->to_string(), msg->get_qos(), msg->is_retained(),
                        msg->is_duplicate()});
    }

  private:
    ConnectionHandlers h_;
};

class PahoTransport::Listener final : public mqtt::iaction_listener {
  public:
    explicit Listener(PahoTransport& t) : t_(t) {}
    void on_success(const mqtt::token& tok) override {
        t_.complete(tok.get_user_context(), Status::success());
    }
    void on_failure(const mqtt::token& tok) override {
        t_.complete(tok.get_user_context(), fail(error_text(tok)));
    }

  private:
    PahoTransport& t_;
};

PahoTransport::PahoTransport() : listener_(std::make_unique<Listener>(*this)) {}

PahoTransport::~PahoTransport() {
    drop_client();
}

void* PahoTransport::remember(Completion done) {
    if (!done) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    const uintptr_t id = next_id_++;
    pending_.emplace(id, std::move(done));
    return reinterpret_cast<void*>(id);
}

void PahoTransport::complete(void* context, Status status) {
    Completion done;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = pending_.find(reinterpret_cast<uintptr_t>(context));
        if (it == pending_.end()) return;  // an earlier connection's, or no callback wanted
        done = std::move(it->second);
        pending_.erase(it);
    }
    done(std::move(status));
}

void PahoTransport::drop_client() {
    client_.reset();
    callbacks_.reset();
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.clear();
}

Status PahoTransport::connect(const ConnectOptions& options, ConnectionHandlers handlers) {
    drop_client();
    Completion connected = std::move(handlers.connected);
    callbacks_ = std::make_unique<Callbacks>(std::move(handlers));
    try {
        client_ = std::make_unique<mqtt::async_client>(
            options.uri, options.client_id, paho_create_options(options),
            static_cast<mqtt::iclient_persistence*>(nullptr));
        client_->set_callback(*callbacks_);
        client_->connect(paho_options(options), remember(std::move(connected)), *listener_);
    } catch (const mqtt::exception& e) {
        drop_client();
        return fail(e.what());
    }
    return Status::success();
}

Status PahoTransport::publish(const std::string& topic, std::string payload, int qos, bool retained,
                              Completion done) {
    if (!client_) return fail("not connected");
    void* context = remember(std::move(done));
    try {
        client_->publish(mqtt::make_message(topic, std::move(payload), qos, retained), context,
                         *listener_);
    } catch (const mqtt::exception& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_.erase(reinterpret_cast<uintptr_t>(context));
        return fail(e.what());
    }
    return Status::success();
}

Status PahoTransport::subscribe(const std::string& filter, int qos, Completion done) {
    if (!client_) return fail("not connected");
    void* context = remember(std::move(done));
    try {
        client_->subscribe(filter, qos, context, *listener_);
    } catch (const mqtt::exception& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_.erase(reinterpret_cast<uintptr_t>(context));
        return fail(e.what());
    }
    return Status::success();
}

void PahoTransport::disconnect(int timeout_ms) {
    if (client_) {
        try {
            if (client_->is_connected())
                client_->disconnect(timeout_ms)->wait_for(std::chrono::milliseconds(timeout_ms));
        } catch (const mqtt::exception&) {
            // Gone already: dropping the client is all that is left to do.
        }
    }
    drop_client();
}

}  // namespace gw::uplink
