#pragma once
// The table of commands from the center: name -> handler. Handlers run on
// the router's own thread (never on the MQTT client's), may complete later
// from any thread (selftest takes seconds), and each has a deadline: one that
// has not completed by then is finished with a timeout error, and its late
// completion is ignored. A handler that completes before it returns holds
// the router's thread meanwhile (its deadline cannot interrupt it).
//
//   router.add("ack", [&](const nlohmann::json& request, command::Done done) {
//       ...; done({{"incident", id}});             // ok, with a result object
//       ... or done(command::error("unknown incident"));  // refused
//   });
//
// `request` has passed its schema (docs/schema/cmd-<name>.json) and, when
// commands are signed, its signature check; it still carries id, ts, sig.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace gw::command {

// A result object, or error(why) for a refusal or failure.
using Done = std::function<void(nlohmann::json result_or_error)>;
using Handler = std::function<void(const nlohmann::json& request, Done done)>;
// What the schema cannot say about a request (one field only with another):
// empty when valid, else why not. Run before the request is recorded, so a
// refused request does not use up its id.
using Check = std::function<std::string(const nlohmann::json& request)>;

// {"error": why}: what a handler passes to done() to say no.
nlohmann::json error(const std::string& why);
// {"error": why, "retry": true}: not done, nothing changed, and the same
// request id may be sent again (the gateway was busy with other tests).
nlohmann::json try_again(const std::string& why);

// What became of one command.
struct Outcome {
    bool ok = false;
    nlohmann::json result = nlohmann::json::object();
    std::string error;
    bool retry = false;  // try_again(): the id is not used up
    // done()'s argument: error(why) or try_again(why) -> not ok; an object
    // -> its result; anything else -> not ok (a handler bug, said so).
    static Outcome of(nlohmann::json result_or_error);
};

class CommandRouter {
  public:
    static constexpr int64_t kDefaultDeadlineMs = 30000;

    CommandRouter(const Clock& clock, Log& log);
    ~CommandRouter();
    CommandRouter(const CommandRouter&) = delete;
    CommandRouter& operator=(const CommandRouter&) = delete;

    // Before start(). deadline_ms: 0 for kDefaultDeadlineMs.
    void add(const std::string& name, Handler handler, int64_t deadline_ms = 0,
             Check check = nullptr);
    bool has(const std::string& name) const;
    // The command's Check (empty without one, or for an unknown name).
    std::string check(const std::string& name, const nlohmann::json& request) const;
    std::string names() const;  // "ack, mode, ..." for error messages

    // Queues `name`; `finished` is called exactly once (from any thread)
    // with its outcome, unless the router stops first. Calls made before
    // start() wait for it.
    void run(const std::string& name, nlohmann::json request,
             std::function<void(Outcome)> finished);
    void start();
    // Joins the thread; commands not finished by then are dropped without an
    // outcome (their callers keep them pending) and late completions ignored.
    void stop();

  private:
    struct Entry {
        Handler handler;
        int64_t deadline_ms;
        Check check;
    };
    struct Call;
    struct Job {
        std::string name;
        nlohmann::json request;
        std::function<void(Outcome)> finished;
    };
    void loop();
    void dispatch(Job job);
    void expire(int64_t now);

    const Clock& clock_;
    Log& log_;
    std::map<std::string, Entry> table_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    std::vector<std::shared_ptr<Call>> calls_;  // running, with deadlines
    bool started_ = false;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace gw::command
