#include "dispatcher.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <future>

#include "core/json_input.hpp"

namespace gw {

using nlohmann::json;

namespace {
const char* const kStopping = "gatewayd is stopping";
}

bool Cancel::requested() const {
    return stopping() || clock_.mono_ms() >= deadline_;
}

bool Cancel::wait_for(int64_t ms) const {
    const int64_t left = deadline_ - clock_.mono_ms();
    const int64_t wait = std::max<int64_t>(0, std::min(ms, left));
    std::unique_lock<std::mutex> lock(signal_.mutex);
    signal_.changed.wait_for(lock, std::chrono::milliseconds(wait),
                             [this] { return signal_.stopped; });
    lock.unlock();
    return !requested();
}

bool Cancel::stopping() const {
    std::lock_guard<std::mutex> lock(signal_.mutex);
    return signal_.stopped;
}

std::string Cancel::reason() const {
    if (stopping()) return kStopping;
    return clock_.mono_ms() >= deadline_ ? "the command ran past its deadline" : "";
}

Dispatcher::Dispatcher(const Clock& clock, Log& log, Limits limits)
    : clock_(clock),
      log_(log),
      io_(limits.io.workers, limits.io.queue),
      wait_(limits.wait.workers, limits.wait.queue) {}

Dispatcher::~Dispatcher() {
    stop();
}

void Dispatcher::add(const std::string& cmd, Handler handler) {
    commands_[cmd] = Command{std::move(handler), nullptr, Pool::io, 0};
}

void Dispatcher::add(const std::string& cmd, Pool pool, int64_t deadline_ms, LongHandler handler) {
    commands_[cmd] = Command{nullptr, std::move(handler), pool, deadline_ms};
}

json Dispatcher::error_reply(const std::string& what) {
    return {{"ok", false}, {"error", what}};
}

json Dispatcher::busy_reply(const std::string& what) {
    return {{"ok", false}, {"busy", true}, {"error", "busy: " + what}};
}

json Dispatcher::stopping_reply() {
    return {{"ok", false}, {"stopping", true}, {"error", kStopping}};
}

std::string Dispatcher::to_line(const json& reply) {
    return reply.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// A handler's result as a reply: never throws, always an object with "ok".
template <typename Run>
json guarded(Run&& run) {
    json reply;
    try {
        reply = run();
    } catch (const std::exception& e) {
        // A handler bug or a request of the wrong shape (json type_error).
        return Dispatcher::error_reply(std::string("bad request: ") + e.what());
    }
    if (!reply.is_object()) reply = json{{"result", reply}};
    if (!reply.contains("ok")) reply["ok"] = true;
    return reply;
}

}  // namespace

std::string Dispatcher::known() const {
    std::string names;
    for (const auto& [name, _] : commands_) names += (names.empty() ? "" : ", ") + name;
    return names;
}

void Dispatcher::submit_line(const std::string& line, const Peer& peer, Done done) {
    auto request = parse_json_input(line);
    if (!request || !request->is_object())
        return done(error_reply("malformed request: expected one JSON object per line" +
                                (request ? std::string() : " (" + request.error() + ")")));
    submit(*request, peer, std::move(done));
}

void Dispatcher::submit(const json& request, const Peer& peer, Done done) {
    auto cmd = request.find("cmd");
    if (!request.is_object() || cmd == request.end() || !cmd->is_string())
        return done(error_reply("request needs \"cmd\" (a string)"));
    const std::string name = cmd->get<std::string>();
    auto it = commands_.find(name);
    if (it == commands_.end())
        return done(error_reply("unknown command \"" + name + "\" (known: " + known() + ")"));
    const Command& c = it->second;
    if (c.quick) return done(guarded([&] { return c.quick(request, peer); }));
    run_long(name, c, request, peer, std::move(done));
}

void Dispatcher::run_long(const std::string& name, const Command& c, const json& request,
                          const Peer& peer, Done done) {
    // The job owns the reply callback; whichever of run/drop fires answers.
    auto answer = std::make_shared<Done>(std::move(done));
    const int64_t deadline = clock_.mono_ms() + c.deadline_ms;
    WorkerPool::Job job;
    auto reply = std::make_shared<json>();
    job.run = [this, handler = c.slow, request, peer, deadline, reply] {
        Cancel cancel(signal_, clock_, deadline);
        // Waited in the queue past its deadline, or the daemon is stopping.
        if (cancel.requested()) {
            *reply = cancel.stopping() ? stopping_reply() : error_reply(cancel.reason());
            return;
        }
        *reply = guarded([&] { return handler(request, peer, cancel); });
        // A handler cut short by the stop says so in its own words; the flag
        // tells clients it was the stop, not the request.
        if (!reply->value("ok", true) && cancel.stopping()) (*reply)["stopping"] = true;
    };
    job.then = [answer, reply] { (*answer)(std::move(*reply)); };
    job.drop = [answer] { (*answer)(stopping_reply()); };
    WorkerPool& pool = c.pool == Pool::io ? io_ : wait_;
    if (pool.try_post(std::move(job))) return;
    {
        std::lock_guard<std::mutex> lock(signal_.mutex);
        if (signal_.stopped) return (*answer)(stopping_reply());
    }
    log_.debug("control", "busy", {{"cmd", name}});
    (*answer)(busy_reply(c.pool == Pool::wait
                             ? "other mqtt tests or selftests are already waiting for the "
                               "broker; try again when they are done"
                             : "too many requests in progress; try again in a moment"));
}

json Dispatcher::call(const json& request, const Peer& peer) {
    std::promise<json> reply;
    auto got = reply.get_future();
    submit(request, peer, [&reply](json r) { reply.set_value(std::move(r)); });
    return got.get();
}

void Dispatcher::stop() {
    {
        std::lock_guard<std::mutex> lock(signal_.mutex);
        signal_.stopped = true;
    }
    signal_.changed.notify_all();
    io_.stop();
    wait_.stop();
}

}  // namespace gw
