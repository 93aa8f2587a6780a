#pragma once
// The local control socket: newline-delimited JSON, one request per line,
// one reply per line. `{"cmd":"status"}` -> `{"ok":true,...}`; any problem
// -> `{"ok":false,"error":"..."}`. Runs on its own thread: a slow, broken or
// hostile client never disturbs the daemon. Commands live in a dispatch
// table, so adding one is one add() call.
#include <sys/types.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "core/result.hpp"

namespace gw {

struct Peer {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

class ControlServer {
  public:
    // Returns the reply body ("ok" is added); throw nothing, return
    // {"ok":false,"error":...} for a failed command.
    using Handler = std::function<nlohmann::json(const nlohmann::json& request, const Peer& peer)>;

    static constexpr size_t kMaxLine = 64 * 1024;
    static constexpr size_t kMaxClients = 16;

    ControlServer(std::string socket_path, std::string group, Log& log);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    void add(const std::string& cmd, Handler handler);
    // Binds the socket (mode 0660, group if configured) and starts serving.
    Status start();
    void stop();

    // One request line -> one reply line (no newline). Public for tests.
    std::string dispatch(const std::string& line, const Peer& peer);

  private:
    void serve();
    bool allowed(const Peer& peer) const;

    std::string path_;
    std::string group_;
    gid_t gid_ = static_cast<gid_t>(-1);
    Log& log_;
    std::map<std::string, Handler> handlers_;
    int listen_fd_ = -1;
    int stop_fd_ = -1;  // eventfd: wakes the poll loop to stop
    std::thread thread_;
};

}  // namespace gw
