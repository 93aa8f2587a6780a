#include "router.hpp"

#include <algorithm>

namespace gw::command {

using nlohmann::json;

json error(const std::string& why) {
    return {{"error", why}};
}

json try_again(const std::string& why) {
    return {{"error", why}, {"retry", true}};
}

Outcome Outcome::of(json r) {
    Outcome o;
    const bool retry = r.is_object() && r.size() == 2 && r.value("retry", false) == true;
    if (r.is_object() && r.size() == (retry ? 2u : 1u) && r.contains("error") &&
        r["error"].is_string()) {
        o.error = r["error"].get<std::string>();
        o.retry = retry;
        return o;
    }
    if (!r.is_object()) {
        o.error = "internal error: the handler's result is not an object";
        return o;
    }
    o.ok = true;
    o.result = std::move(r);
    return o;
}

// One running command: finished exactly once, by done(), the deadline or
// never (stop). Its mutex is held while `finished` runs, so stop() returns
// only once no completion is still running.
struct CommandRouter::Call {
    std::mutex mutex;
    bool over = false;
    std::string name;
    int64_t deadline_mono = 0;
    std::function<void(Outcome)> finished;

    void finish(Outcome o) {
        std::lock_guard<std::mutex> lock(mutex);
        if (over) return;
        over = true;
        finished(std::move(o));
        finished = nullptr;
    }
    void drop() {
        std::lock_guard<std::mutex> lock(mutex);
        over = true;
        finished = nullptr;
    }
    bool is_over() {
        std::lock_guard<std::mutex> lock(mutex);
        return over;
    }
};

CommandRouter::CommandRouter(const Clock& clock, Log& log) : clock_(clock), log_(log) {}

CommandRouter::~CommandRouter() {
    stop();
}

void CommandRouter::add(const std::string& name, Handler handler, int64_t deadline_ms,
                        Check check) {
    table_[name] = Entry{std::move(handler), deadline_ms > 0 ? deadline_ms : kDefaultDeadlineMs,
                         std::move(check)};
}

std::string CommandRouter::check(const std::string& name, const nlohmann::json& request) const {
    auto it = table_.find(name);
    return it == table_.end() || !it->second.check ? std::string() : it->second.check(request);
}

bool CommandRouter::has(const std::string& name) const {
    return table_.count(name) != 0;
}

std::string CommandRouter::names() const {
    std::string out;
    for (const auto& [name, e] : table_) out += (out.empty() ? "" : ", ") + name;
    return out;
}

void CommandRouter::run(const std::string& name, json request,
                        std::function<void(Outcome)> finished) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stop_) return;
        jobs_.push_back({name, std::move(request), std::move(finished)});
    }
    cv_.notify_one();
}

void CommandRouter::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_) return;
    started_ = true;
    thread_ = std::thread([this] { loop(); });
}

void CommandRouter::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::vector<std::shared_ptr<Call>> calls;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        calls.swap(calls_);
        jobs_.clear();
    }
    for (auto& c : calls) c->drop();
}

void CommandRouter::dispatch(Job job) {
    auto it = table_.find(job.name);
    if (it == table_.end()) {
        job.finished(Outcome::of(error("unknown command " + job.name)));
        return;
    }
    auto call = std::make_shared<Call>();
    call->name = job.name;
    call->deadline_mono = clock_.mono_ms() + it->second.deadline_ms;
    call->finished = std::move(job.finished);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        calls_.push_back(call);
    }
    std::weak_ptr<Call> weak = call;
    Done done = [weak](json r) {
        if (auto c = weak.lock()) c->finish(Outcome::of(std::move(r)));
    };
    try {
        it->second.handler(job.request, std::move(done));
    } catch (const std::exception& e) {
        log_.error("command", "handler threw", {{"command", job.name}, {"error", e.what()}});
        call->finish(Outcome::of(error(std::string("internal error: ") + e.what())));
    }
}

void CommandRouter::expire(int64_t now) {
    std::vector<std::shared_ptr<Call>> late;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto keep = std::remove_if(calls_.begin(), calls_.end(), [&](const auto& c) {
            if (c->is_over()) return true;
            if (now < c->deadline_mono) return false;
            late.push_back(c);
            return true;
        });
        calls_.erase(keep, calls_.end());
    }
    for (auto& c : late) {
        log_.warn("command", "deadline passed", {{"command", c->name}});
        c->finish(Outcome::of(error("timed out: " + c->name + " did not complete in time")));
    }
}

// Deadlines are on the injected Clock, which real time does not move in
// tests: while a command runs, its deadline is looked at every kTickMs.
// With none running nothing can be due, and the thread sleeps until a job
// or the stop comes (it woke five times a second on an idle gateway).
void CommandRouter::loop() {
    constexpr int64_t kTickMs = 200;  // how late a deadline may be noticed
    for (;;) {
        Job job;
        bool have = false;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            const auto ready = [&] { return stop_ || !jobs_.empty(); };
            if (calls_.empty())
                cv_.wait(lock, ready);
            else
                cv_.wait_for(lock, std::chrono::milliseconds(kTickMs), ready);
            if (stop_) return;
            if (!jobs_.empty()) {
                job = std::move(jobs_.front());
                jobs_.pop_front();
                have = true;
            }
        }
        if (have) dispatch(std::move(job));
        expire(clock_.mono_ms());
    }
}

}  // namespace gw::command
