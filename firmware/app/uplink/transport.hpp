#pragma once
// What the uplink needs from an MQTT client, and nothing more, so that its
// logic (window, failover, backoff, resend) runs against a fake in unit
// tests and against Paho (PahoTransport) in the gateway.
//
// Threading: every call is made from one thread (the uplink's). Callbacks
// come from the transport's own thread and must not call back into the
// transport. Link callbacks only queue what they get; the message callback
// records a command in the inbox before it returns (so the PUBACK the
// client sends after it means the command is on disk).
#include <functional>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace gw::uplink {

struct Will {
    std::string topic;
    std::string payload;
    int qos = 1;
    bool retained = true;
};

struct TlsFiles {
    std::string ca_file;    // trust store; empty: the system's
    std::string cert_file;  // client certificate, with key_file (optional)
    std::string key_file;
};

struct ConnectOptions {
    std::string uri;  // tcp://host:port or ssl://host:port
    std::string client_id;
    // false: a persistent session (fixed client_id): the broker keeps
    // subscriptions and queued QoS 1 messages across reconnects.
    bool clean_session = true;
    int keepalive_s = 30;
    int connect_timeout_s = 5;
    std::optional<Will> will;
    std::string username;  // empty: anonymous
    std::string password;
    // Set for TLS: the server certificate and host name are always verified.
    std::optional<TlsFiles> tls;
    // Publishes the client may hold before its send thread has written them:
    // the in-flight window plus the status publishes and replies beside it.
    // Below that sum a full window fails with "No more messages can be
    // buffered" (Paho -12) and costs a reconnect.
    int max_buffered = 100;
};

struct InboundMessage {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retained = false;
    bool duplicate = false;
};

// The outcome of an operation: success (for a QoS 1 publish: the PUBACK
// arrived), or why not.
using Completion = std::function<void(Status)>;

// Callbacks of one connection, given to connect().
struct ConnectionHandlers {
    Completion connected;                                        // exactly once
    std::function<void(const std::string& cause)> lost;          // at most once, after connected
    std::function<void(const InboundMessage& message)> message;  // subscribed messages
};

class Transport {
  public:
    virtual ~Transport() = default;
    // Starts connecting (dropping any earlier connection: completions of its
    // operations are not reported any more). An error returned here means
    // the attempt did not even start; otherwise handlers.connected says.
    virtual Status connect(const ConnectOptions& options, ConnectionHandlers handlers) = 0;
    // Queues a publish on the current connection; `done` (may be empty) is
    // called once it completes. An error returned here means it was not
    // queued (and `done` is not called).
    virtual Status publish(const std::string& topic, std::string payload, int qos, bool retained,
                           Completion done) = 0;
    // Subscribes on the current connection; `done` gets the SUBACK.
    virtual Status subscribe(const std::string& filter, int qos, Completion done) = 0;
    // Sends DISCONNECT (so the Will is not published) and drops the
    // connection, waiting at most timeout_ms. No callback comes after it.
    virtual void disconnect(int timeout_ms) = 0;
};

}  // namespace gw::uplink
