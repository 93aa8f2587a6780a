#pragma once
// The daemon's control commands, apart from any socket: a table of handlers
// and the workers that run the long ones. The control socket
// (control_server.hpp) feeds it what local clients send; any other caller (a
// command from the district center, a test) uses submit() or call() alike.
//
// A request is a JSON object with "cmd"; the reply is an object with "ok"
// (added when the handler leaves it out) and "error" when ok is false.
//
// Quick handlers (in-memory reads) run on the caller's thread. Long ones
// (anything that touches the store, encodes an image or waits) run on a small
// worker pool with a bounded queue; when it is full the reply at once is
// {"ok":false,"busy":true,"error":"busy: ..."}. Each long handler has a
// deadline and gets a Cancel that trips at the deadline or on stop(), so
// stop() returns promptly even while one is waiting for a PUBACK.
#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/worker_pool.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace gw {

// Who asked: the socket's SO_PEERCRED; a caller without a socket fills in
// its own identity.
struct Peer {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary (SO_PEERGROUPS)
};

// Tripped by the dispatcher's stop() or by the handler's deadline. Long
// handlers check it between steps and wait only through wait_for().
class Cancel {
  public:
    struct Signal {  // shared by every Cancel of one dispatcher
        std::mutex mutex;
        std::condition_variable changed;
        bool stopped = false;
    };
    Cancel(Signal& signal, const Clock& clock, int64_t deadline_mono_ms)
        : signal_(signal), clock_(clock), deadline_(deadline_mono_ms) {}

    bool requested() const;
    // requested() because the dispatcher stops (not the deadline).
    bool stopping() const;
    // Sleeps up to `ms` (less if the deadline comes first); false once cancelled.
    bool wait_for(int64_t ms) const;
    // Why requested() is true: stopping, or past the deadline.
    std::string reason() const;

  private:
    Signal& signal_;
    const Clock& clock_;
    int64_t deadline_;
};

class Dispatcher {
  public:
    using json = nlohmann::json;
    // Returns the reply body; {"ok":false,"error":...} for a failed command.
    // A throw (e.g. a json type_error on a request of the wrong shape)
    // becomes "bad request: ...".
    using Handler = std::function<json(const json& request, const Peer& peer)>;
    using LongHandler =
        std::function<json(const json& request, const Peer& peer, const Cancel& cancel)>;
    // Gets the reply exactly once: on the caller's thread or on a worker.
    using Done = std::function<void(json reply)>;

    // io: short blocking work (store reads and writes, a JPEG): queued behind
    // each other briefly. wait: waits on something outside (a PUBACK, up to a
    // minute): a queue would only make the caller time out, so none.
    enum class Pool { io, wait };
    struct PoolSize {
        size_t workers;
        size_t queue;
    };
    struct Limits {
        PoolSize io{2, 16};
        PoolSize wait{2, 0};
    };

    Dispatcher(const Clock& clock, Log& log) : Dispatcher(clock, log, Limits{}) {}
    Dispatcher(const Clock& clock, Log& log, Limits limits);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    // A quick command: runs on the caller's thread.
    void add(const std::string& cmd, Handler handler);
    // A long command: runs on `pool`; its Cancel trips `deadline_ms` after submit().
    void add(const std::string& cmd, Pool pool, int64_t deadline_ms, LongHandler handler);

    void submit(const json& request, const Peer& peer, Done done);
    // One request line (JSON text) -> submit(); malformed text gets an error reply.
    void submit_line(const std::string& line, const Peer& peer, Done done);
    // Blocks until the reply is there: for tests and synchronous callers.
    json call(const json& request, const Peer& peer);

    // Cancels running long handlers, answers queued ones "gatewayd is
    // stopping", waits for the workers. Later long requests get that answer too.
    void stop();

    // A reply as one line of text (no newline); invalid UTF-8 is replaced.
    static std::string to_line(const json& reply);
    static json error_reply(const std::string& what);
    static json busy_reply(const std::string& what);
    // The daemon stops: nothing more is done; the client may wait for it to
    // come back (a reload) and ask again.
    static json stopping_reply();

  private:
    struct Command {
        Handler quick;
        LongHandler slow;
        Pool pool = Pool::io;
        int64_t deadline_ms = 0;
    };
    void run_long(const std::string& name, const Command& c, const json& request, const Peer& peer,
                  Done done);
    std::string known() const;

    const Clock& clock_;
    Log& log_;
    std::map<std::string, Command> commands_;
    Cancel::Signal signal_;
    WorkerPool io_;
    WorkerPool wait_;
};

}  // namespace gw
