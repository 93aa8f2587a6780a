#pragma once
// The local control socket: newline-delimited JSON, one request per line,
// one reply per line, in request order. `{"cmd":"status"}` -> `{"ok":true,...}`;
// any problem -> `{"ok":false,"error":"..."}`. The commands live in a
// Dispatcher; this class only moves bytes, on its own thread, and never
// waits for a client or a command, so no client can stall or freeze it:
// - sockets are non-blocking; a client's next request is taken only once it
//   has read the previous reply, so at most one reply waits per client;
// - a connection that makes no progress for idle_ms (no complete request,
//   nothing of its reply read, no command running for it) is closed;
// - when every slot is taken, the connection idle the longest gives way to a
//   new one; if none is idle the new one is told "busy";
// - refusals are logged at most once per 10 s per reason, with a count
//   (LogThrottle).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "control/control_client.hpp"
#include "control/dispatcher.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/log_throttle.hpp"
#include "core/result.hpp"
#include "core/unique_fd.hpp"

namespace gw {

struct ControlLimits {
    size_t max_clients = 16;
    int64_t idle_ms = 10000;
    size_t max_line = 64 * 1024;          // a longer request is refused and the connection closed
    size_t max_reply = kMaxControlReply;  // what ControlClient accepts
};

class ControlServer {
  public:
    ControlServer(std::string socket_path, std::string group, Dispatcher& commands,
                  const Clock& clock, Log& log, ControlLimits limits = {});
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Binds the socket (mode 0660, group if configured) and starts serving.
    Status start();
    // Returns within about a second whatever the clients or commands do:
    // replies of commands still running are dropped.
    void stop();

  private:
    struct Client;
    struct Mailbox;

    void serve();
    int poll_timeout_ms(int64_t now) const;
    void on_polled(Client& c, short got, int64_t now);
    void accept_clients(int64_t now);
    bool admit(UniqueFd& fd, const Peer& peer, int64_t now);
    bool evict_idlest();
    void refuse(UniqueFd fd, const std::string& reply_line);
    void read_from(Client& c);
    void write_to(Client& c, int64_t now);
    void take_requests(Client& c, int64_t now);
    void deliver_replies(int64_t now);
    void expire(int64_t now);
    void sweep();
    bool allowed(const Peer& peer) const;

    std::string path_;
    std::string group_;
    gid_t gid_ = static_cast<gid_t>(-1);
    Dispatcher& commands_;
    const Clock& clock_;
    Log& log_;
    const ControlLimits limits_;
    UniqueFd listen_;
    std::shared_ptr<Mailbox> mailbox_;  // shared with the reply callbacks of running commands
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    // Owned by the serving thread.
    std::map<uint64_t, std::unique_ptr<Client>> clients_;
    uint64_t next_id_ = 1;
    int64_t accept_paused_until_ = 0;
    LogThrottle denied_log_, busy_log_, accept_log_;
};

}  // namespace gw
