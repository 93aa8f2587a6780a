#include "channel.hpp"

#include <regex>

#include "contract/routes.hpp"
#include "contract/schema_check.hpp"
#include "contract/schemas.hpp"
#include "core/json_input.hpp"

namespace gw::command {
namespace {

using nlohmann::json;

// A command accepted but not run before the gateway stopped runs when it
// starts again, unless it is older than this: a `mode` or `reload` left in
// the inbox of a gateway that stayed down for days ran whenever it came
// back. It is answered "expired", its reply kept like any other (a resend
// of the id gets it again); a new request runs it. Judged only on a synced
// clock: a gateway without a real-time clock boots on a wrong one.
constexpr int64_t kPendingTtlMs = 10 * 60 * 1000;

// A command name that may be a reply topic level (and a schema file name).
bool usable_name(const std::string& name) {
    static const std::regex kName("^[a-z][a-z0-9_]{0,31}$");
    return std::regex_match(name, kName);
}

// The request id, if the payload has a usable one (the schema's pattern).
std::optional<std::string> usable_id(const json& j) {
    static const std::regex kId("^[A-Za-z0-9_.:-]{1,64}$");
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) return std::nullopt;
    const auto& id = j["id"].get_ref<const std::string&>();
    if (!std::regex_match(id, kId)) return std::nullopt;
    return id;
}

// A refusal's reply is stored in the alarm lane, which is never evicted:
// its text must stay short whatever the request. Each unknown field of a
// garbage object was one reason, and a 16 KiB request made a 49 KB reply
// (60 a minute); one field's name can be as long as the request.
constexpr size_t kReasonsShown = 5;
constexpr size_t kMaxReasonBytes = 1024;

std::string first_reasons(const std::vector<std::string>& reasons) {
    std::string out;
    for (size_t i = 0; i < reasons.size() && i < kReasonsShown; ++i)
        out += (i ? "; " : "") + reasons[i];
    if (reasons.size() > kReasonsShown)
        out += "; and " + std::to_string(reasons.size() - kReasonsShown) + " more";
    return out;
}

// Cut at a character's first byte: the reply is JSON, which must stay UTF-8.
std::string clipped(std::string text) {
    if (text.size() <= kMaxReasonBytes) return text;
    size_t end = kMaxReasonBytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text.resize(end);
    return text + "...";
}

}  // namespace

CommandChannel::CommandChannel(ChannelOptions options, CommandBook& book, Store& store,
                               CommandRouter& router, const contract::Origin& origin, Clock& clock,
                               Log& log)
    : options_(std::move(options)),
      book_(book),
      store_(store),
      router_(router),
      origin_(origin),
      clock_(clock),
      log_(log) {}

void CommandChannel::on_command(const std::string& name, const std::string& payload,
                                bool retained) {
    if (auto request = checked(name, payload, retained)) admit(name, payload, std::move(*request));
}

std::optional<CommandChannel::Request> CommandChannel::checked(const std::string& name,
                                                               const std::string& payload,
                                                               bool retained) {
    const std::string where = usable_name(name) ? name : std::string();
    if (payload.size() > options_.max_bytes)
        return refused({where, std::nullopt,
                        "too big: " + std::to_string(payload.size()) + " bytes (at most " +
                            std::to_string(options_.max_bytes) + ")"});
    // An empty message is how a retained command is cleared; the broker
    // passes it on to subscribers already there as an ordinary message.
    if (payload.empty()) {
        log_.info("command", "empty message (a retained command cleared): ignored",
                  {{"command", where}});
        return std::nullopt;
    }
    // The JSON parser takes a NUL for the end of the text: what follows it
    // would be dropped unseen, where any other trailing byte is refused.
    if (payload.find('\0') != std::string::npos)
        return refused({where, std::nullopt, "not JSON (a NUL byte)"});
    auto parsed = parse_json_input(payload);
    if (!parsed) return refused({where, std::nullopt, parsed.error()});
    json request = std::move(*parsed);
    const std::string target = origin_.site + "/" + origin_.gateway;
    // With signing on, a refusal names the request's id only when the
    // center signed the request: an unsigned copy naming the id of a
    // command under way was answered "refused" under that id, and a center
    // that takes the first reply took it for the command's.
    const bool vouched = vouched_for(options_.signing, target, name, request);
    const auto claimed = usable_id(request);
    const auto id = vouched ? claimed : std::nullopt;
    auto refused_as = [&](const std::string& topic, std::string why) {
        if (!vouched && claimed)
            why += " (request id \"" + *claimed + "\" not signed: the reply names none)";
        return refused({topic, id, std::move(why)});
    };
    if (where.empty()) return refused_as("", "no such command: \"" + name + "\"");
    // The broker replays a retained command at every subscribe, days later
    // too, and once its id has left the id cache it would run again (a mode
    // set by a technician since, overridden): only commands as sent run. One
    // whose id is known ran as sent: it gets its first reply again, as any
    // repeat does, and nothing else (checked on as a new request, it got
    // the reply twice, or a refusal after it once its signature was stale).
    if (retained) {
        if (id &&
            repeat_of(*id, name, "retained copy of a command received before: first reply again"))
            return std::nullopt;
        return refused_as(name,
                          "retained on the broker: commands run only as sent (publish with "
                          "retain off, and clear the retained message on this topic)");
    }
    const json* schema = contract::schema("cmd-" + name + ".json");
    if (!router_.has(name) || !schema)
        return refused_as(name, "unknown command " + name + " (commands: " + router_.names() + ")");
    if (auto errs = contract::schema_errors(*schema, request); !errs.empty())
        return refused_as(name, "invalid request: " + first_reasons(errs));
    if (auto why = router_.check(name, request); !why.empty())
        return refused_as(name, "invalid request: " + why);
    // A signed copy of a command that ran (its PUBACK lost, or the center
    // sending the same bytes again as the contract asks) gets its first
    // reply again, also once its ts is older than max_skew_s: judged on its
    // age first, it got "stale" after its success. Such old copies are
    // answered within the refusal budget: a week of captured commands sent
    // again at once must not fill the alarm lane with their replies.
    const Status signature =
        check_signature(options_.signing, target, name, request, clock_.now_ms(), clock_.synced());
    if (!options_.signing.secret.empty() && vouched && id &&
        repeat_of(*id, name, "repeated request id: first reply again", !signature))
        return std::nullopt;
    if (!signature) return refused_as(name, signature.error());
    return Request{*id, std::move(request)};
}

void CommandChannel::admit(const std::string& name, const std::string& payload, Request request) {
    const std::string& id = request.id;
    std::unique_lock<std::mutex> lock(mutex_);  // against start() reading the inbox
    auto admitted = book_.admit(id, name, payload, clock_.now_ms());
    if (!admitted) {
        // Not durable: not accepted. The center gets no reply and sends again.
        log_.error("command", "cannot record command", {{"id", id}, {"error", admitted.error()}});
        return;
    }
    if (!admitted->fresh) {
        const CommandRow& row = admitted->existing;
        // Its reply would go to reply/{row.name}, where this sender is not
        // listening for it: say so here instead.
        if (row.name != name) {
            log_.info("command", "request id reused for another command",
                      {{"id", id}, {"command", name}, {"first", row.name}});
            const std::string first = row.name;
            lock.unlock();  // refuse() takes it for the refusal budget
            return refuse({name, id, "request id " + id + " was used for " + first});
        }
        replay_first(row, "repeated request id: first reply again");
        return;
    }
    log_.info("command", "accepted", {{"id", id}, {"command", name}});
    if (started_) execute(id, name, std::move(request.body));
}

std::nullopt_t CommandChannel::refused(const Refusal& r) {
    refuse(r);
    return std::nullopt;
}

bool CommandChannel::repeat_of(const std::string& id, const std::string& name, const char* what,
                               bool budgeted) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto row = book_.find(id);
    if (!row || !*row || (*row)->name != name) return false;
    if (!budgeted || take_refusal(clock_.mono_ms(), true)) replay_first(**row, what);
    return true;
}

void CommandChannel::replay_first(const CommandRow& row, const char* what) {
    // Copies of one signed command, sent again and again (by anyone who
    // captured it, within max_skew_s), stored one reply each in the alarm
    // lane. Each id's reply goes again at most once per replay_every_ms. Not
    // the refusals' budget: garbage from anyone would use it up, and the
    // center's own repeats would go unanswered.
    if (!replay_due(row.id, clock_.mono_ms())) return;
    log_.info("command", what,
              {{"id", row.id}, {"command", row.name}, {"state", static_cast<int>(row.state)}});
    // Still running: its one reply comes when it is done. A reply kept but
    // not queued (the store refused it: alarm lane or disk full) is queued
    // now; just after finish() kept it, that sends it twice (at least once).
    if (row.state != CommandRow::pending) (void)queue_reply(row.id, row.name, row.reply);
}

Status CommandChannel::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    auto rows = book_.unfinished();
    if (!rows) return fail(rows.error());
    for (auto& row : *rows) {
        if (row.state == CommandRow::replied) {
            (void)queue_reply(row.id, row.name, row.reply);
            continue;
        }
        const int64_t age_ms = clock_.now_ms() - row.received_ms;
        if (clock_.synced() && age_ms > kPendingTtlMs) {
            Outcome expired;
            expired.error = "expired: received " + std::to_string(age_ms / 1000) +
                            " s ago, before the gateway stopped; not run after its restart "
                            "(send it with a new id to run it)";
            finish(row.id, row.name, expired);
            continue;
        }
        log_.info("command", "executing a command received earlier",
                  {{"id", row.id}, {"command", row.name}});
        execute(row.id, row.name, json::parse(row.request, nullptr, false));
    }
    started_ = true;
    router_.start();
    return Status::success();
}

void CommandChannel::stop() {
    router_.stop();
}

void CommandChannel::execute(const std::string& id, const std::string& name, json request) {
    router_.run(name, std::move(request), [this, id, name](Outcome o) { finish(id, name, o); });
}

void CommandChannel::finish(const std::string& id, const std::string& name,
                            const Outcome& outcome) {
    contract::Reply r;
    r.id = id;
    r.ok = outcome.ok;
    r.error = outcome.error;
    r.result = outcome.result;
    r.ts = clock_.now_ms();
    const std::string reply = contract::encode_reply(r, origin_);
    log_.info("command", outcome.ok ? "done" : "failed",
              {{"id", id}, {"command", name}, {"error", outcome.error}});
    if (outcome.retry) {
        // Nothing was done: the id is freed first, so the center's retry
        // with it runs (a stored "busy" would be its answer for a week).
        if (auto s = book_.forget(id); !s)
            log_.error("command", "cannot free request id", {{"id", id}, {"error", s.error()}});
        (void)append_reply(id, name, reply);
        return;
    }
    if (auto s = book_.set_reply(id, reply); !s) {
        log_.error("command", "cannot record reply", {{"id", id}, {"error", s.error()}});
        return;  // still pending: executed again after a restart
    }
    (void)queue_reply(id, name, reply);
}

// Into the alarm lane (durable once this returns), then marked sent. A crash
// in between sends the reply twice: at least once, never lost.
Status CommandChannel::queue_reply(const std::string& id, const std::string& name,
                                   const std::string& reply) {
    // On failure the request stays "replied": queued again by the next start().
    if (auto s = append_reply(id, name, reply); !s) return s;
    if (auto s = book_.mark_sent(id, clock_.now_ms()); !s) {
        log_.error("command", "cannot mark reply sent", {{"id", id}, {"error", s.error()}});
        return s;
    }
    return Status::success();
}

Status CommandChannel::append_reply(const std::string& id, const std::string& name,
                                    const std::string& reply) {
    auto s = store_.append(Lane::alarm, clock_.now_ms(), contract::reply_route(name), reply);
    if (!s) log_.error("command", "cannot store reply", {{"id", id}, {"error", s.error()}});
    return s;
}

bool CommandChannel::replay_due(const std::string& id, int64_t now_mono) {
    auto it = replayed_mono_.find(id);
    if (it != replayed_mono_.end() && now_mono - it->second < options_.replay_every_ms) {
        log_.debug("command", "repeat not answered: its reply went again just now", {{"id", id}});
        return false;
    }
    // Bounded: ids whose pause is over need no entry.
    if (replayed_mono_.size() >= kMaxReplayed)
        for (auto old = replayed_mono_.begin(); old != replayed_mono_.end();)
            old = now_mono - old->second >= options_.replay_every_ms ? replayed_mono_.erase(old)
                                                                     : std::next(old);
    if (replayed_mono_.size() < kMaxReplayed) replayed_mono_[id] = now_mono;
    return true;
}

bool CommandChannel::refusal_allowed(int64_t now_mono, bool named) {
    std::lock_guard<std::mutex> lock(mutex_);
    return take_refusal(now_mono, named);
}

bool CommandChannel::take_refusal(int64_t now_mono, bool named) {
    Budget& b = named ? named_refusals_ : nameless_refusals_;
    if (now_mono - b.window_start_mono >= 60000) {
        if (b.suppressed > 0)
            log_.warn("command", "refusals not answered (rate limit)",
                      {{"count", b.suppressed}, {"with_request_id", named}});
        b.window_start_mono = now_mono;
        b.in_window = 0;
        b.suppressed = 0;
    }
    if (b.in_window >= options_.refusals_per_minute) {
        ++b.suppressed;
        return false;
    }
    ++b.in_window;
    return true;
}

void CommandChannel::refuse(const Refusal& r) {
    if (!refusal_allowed(clock_.mono_ms(), r.id.has_value())) return;
    const std::string why = clipped(r.why);
    log_.warn("command", "refused",
              {{"command", r.name}, {"id", r.id ? *r.id : std::string()}, {"error", why}});
    if (r.name.empty()) return;  // no topic to answer on
    contract::Reply reply;
    reply.id = r.id;
    reply.error = why;
    reply.ts = clock_.now_ms();
    if (auto s = store_.append(Lane::alarm, reply.ts, contract::reply_route(r.name),
                               contract::encode_reply(reply, origin_));
        !s)
        log_.error("command", "cannot store refusal", {{"error", s.error()}});
}

}  // namespace gw::command
