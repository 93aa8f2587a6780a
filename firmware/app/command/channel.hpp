#pragma once
// The command channel: what the uplink receives on cmd/{name} becomes at
// most one execution and exactly one stored reply per request id.
//
// On the MQTT client's thread (on_command), in this order: size (at most
// 16 KiB), JSON, not retained on the broker, a known command with a
// schema, the schema (docs/schema/cmd-<name>.json, embedded), the signature
// when commands are signed; then the request is written to the inbox (CommandBook) before the
// callback returns. A refusal changes nothing: it gets a reply and a log line
// (both rate-limited) and is not recorded, so an unauthenticated sender
// cannot use up request ids. A known id gets its first reply again, at
// most once per 10 s per id.
//
// Execution is the router's (its own thread); the outcome is encoded (one
// encoder: contract::encode_reply), kept in the inbox, stored in the alarm
// lane on reply/{name} (delivered at least once, before telemetry), and the
// request is marked done. After a restart, start() finishes what the inbox
// still holds: stored replies are queued, pending requests executed.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "command/router.hpp"
#include "command/signature.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "store/command_book.hpp"
#include "store/store.hpp"
#include "uplink/command_sink.hpp"

namespace gw::command {

struct ChannelOptions {
    size_t max_bytes = 16 * 1024;
    SignaturePolicy signing;
    // Refusals answered (and logged) per minute; beyond that only counted,
    // so a flood of garbage cannot fill the alarm lane with replies. Those
    // naming a request id and those naming none have a budget each: garbage
    // (or, with signing on, anything the center did not sign) cannot use
    // up the answers to the center's own requests.
    int refusals_per_minute = 60;
    // A repeated request id's reply goes again at most this often, so that
    // copies of one captured command cannot fill the alarm lane either.
    int64_t replay_every_ms = 10000;
};

class CommandChannel final : public uplink::CommandSink {
  public:
    CommandChannel(ChannelOptions options, CommandBook& book, Store& store, CommandRouter& router,
                   const contract::Origin& origin, Clock& clock, Log& log);

    void on_command(const std::string& name, const std::string& payload, bool retained) override;

    // Finishes what a previous run left in the inbox, then executes new
    // commands as they come (commands received before start() wait in the
    // inbox). Starts the router.
    Status start();
    // Stops the router: commands not finished stay pending in the inbox.
    void stop();

  private:
    struct Refusal {
        std::string name;  // reply/{name}; empty: only logged
        std::optional<std::string> id;
        std::string why;
    };
    struct Request {
        std::string id;
        nlohmann::json body;
    };
    // The checks before the inbox, in the order above: the request, or none
    // (refused, or an empty message ignored).
    std::optional<Request> checked(const std::string& name, const std::string& payload,
                                   bool retained);
    // Into the inbox; executed at once when started. A known id gets its
    // first reply again.
    void admit(const std::string& name, const std::string& payload, Request request);
    void refuse(const Refusal& r);
    std::nullopt_t refused(const Refusal& r);  // refuse(r), for `return refused(...)`
    // A copy of a command already received under this id and name (retained
    // on the broker, or signed and sent again): its first reply goes again
    // (once sent), as for any repeat, logged as `what`. False when the id is
    // new or was used for another command.
    // `budgeted`: an old copy (outside max_skew_s), answered only within
    // the refusal budget of requests that name an id.
    bool repeat_of(const std::string& id, const std::string& name, const char* what,
                   bool budgeted = false);
    // Sends a known request's first reply again; mutex_ held.
    void replay_first(const CommandRow& row, const char* what);
    bool refusal_allowed(int64_t now_mono, bool named);
    bool take_refusal(int64_t now_mono, bool named);  // refusal_allowed, mutex_ held
    // Whether a repeat of `id` gets its reply again now; mutex_ held.
    bool replay_due(const std::string& id, int64_t now_mono);
    void execute(const std::string& id, const std::string& name, nlohmann::json request);
    void finish(const std::string& id, const std::string& name, const Outcome& outcome);
    Status queue_reply(const std::string& id, const std::string& name, const std::string& reply);
    // Into the alarm lane only; a busy reply is sent but not kept in the book.
    Status append_reply(const std::string& id, const std::string& name, const std::string& reply);

    ChannelOptions options_;
    CommandBook& book_;
    Store& store_;
    CommandRouter& router_;
    contract::Origin origin_;
    Clock& clock_;
    Log& log_;

    mutable std::mutex mutex_;  // started_, the refusal budget, replayed_mono_
    bool started_ = false;
    struct Budget {
        int64_t window_start_mono = 0;
        int in_window = 0;
        int64_t suppressed = 0;
    };
    Budget named_refusals_, nameless_refusals_;
    // When each id's reply last went again (copies of one command are
    // answered once per options_.replay_every_ms); at most kMaxReplayed ids.
    static constexpr size_t kMaxReplayed = 1024;
    std::map<std::string, int64_t> replayed_mono_;
};

}  // namespace gw::command
