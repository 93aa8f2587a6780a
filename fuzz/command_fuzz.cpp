// Fuzz target `command`: what the uplink hands the command channel from
// {prefix}/{site}/{gateway}/cmd/{name} (CommandChannel::on_command: the
// topic's last level and the payload), on a real store and inbox, with the
// closed loop's `ack` and `mode` behind a real router. Input: the name, a
// newline, the payload (no newline: an empty name).
//
// Every input gets exactly one reply when the name can be a topic level
// (docs/contract.md: [a-z][a-z0-9_]{0,31}) and none otherwise: in the alarm
// lane on reply/{name}, a JSON object with a boolean "ok" and, when false, an
// "error" string. Never a crash, a hang or an escaped exception.
#include <cstdint>
#include <future>
#include <memory>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "command/channel.hpp"
#include "command/loop_commands.hpp"
#include "command/router.hpp"
#include "contract/routes.hpp"
#include "scratch_site.hpp"
#include "store/command_book.hpp"

namespace {

using nlohmann::json;

[[noreturn]] void broken(const char* what, const std::string& detail) {
    gw::fuzz::broken("command", what, detail);
}

// The daemon's command path, built once: the scratch site with one open
// incident to acknowledge, an inbox in the store's file, the router, the
// channel.
struct Site : gw::fuzz::ScratchSite {
    std::unique_ptr<gw::CommandBook> book;
    std::unique_ptr<gw::command::CommandRouter> router;
    std::unique_ptr<gw::command::CommandChannel> channel;
    int64_t read_after = 0;  // alarm-lane rows already looked at

    Site() : ScratchSite("command") {
        seed_incident();
        open_channel();
    }
    ~Site() {
        channel->stop();
        channel.reset();
        router.reset();
        book.reset();
    }

    // gw-01-1-00000001, an open flood alarm, so `ack` finds one.
    void seed_incident() {
        gw::Event e;
        e.detector = "flood-1";
        e.kind = "flood";
        e.type = "water_depth";
        e.severity = gw::Severity::alarm;
        e.t_ms = clock.now_ms();
        if (auto stored = intake->store_event(std::move(e)); !stored)
            broken("seed incident", stored.error());
    }

    void open_channel() {
        auto opened = gw::CommandBook::open(config.store.path);
        if (!opened) broken("command book", opened.error());
        book = std::move(*opened);
        router = std::make_unique<gw::command::CommandRouter>(clock, log);
        router->add("ack", [this](const json& request, gw::command::Done done) {
            auto r = gw::command::ack(*loop, request);
            done(r ? *r : gw::command::error(r.error()));
        });
        router->add("mode", [this](const json& request, gw::command::Done done) {
            auto r = gw::command::mode(*loop, request);
            done(r ? *r : gw::command::error(r.error()));
        });
        // Not a command (it has no schema, so the channel refuses it by
        // name): queued after an input, it finishes once that input's
        // command has, the router running one job at a time.
        router->add("fuzz_barrier",
                    [](const json&, gw::command::Done done) { done(json::object()); });
        gw::command::ChannelOptions options;
        options.refusals_per_minute = 1 << 30;  // the clock stands still: no budget refills
        options.replay_every_ms = 0;            // nor would a repeat's pause end
        channel = std::make_unique<gw::command::CommandChannel>(
            options, *book, *store, *router,
            gw::contract::Origin{config.identity.site, config.identity.gateway}, clock, log);
        if (auto s = channel->start(); !s) broken("channel start", s.error());
    }

    void barrier() {
        std::promise<void> done;
        router->run("fuzz_barrier", json::object(),
                    [&done](gw::command::Outcome) { done.set_value(); });
        done.get_future().wait();
    }

    // Replies stored since the last call; each is checked, then acked so the
    // scratch store stays small over millions of runs.
    int take_replies(const std::string& name, const std::string& input) {
        int n = 0;
        for (;;) {
            auto rows = store->read(gw::Lane::alarm, read_after, 100);
            if (!rows) broken("store read", rows.error());
            if (rows->empty()) break;
            for (const auto& r : *rows) {
                read_after = r.seq;
                store->ack(gw::Lane::alarm, r.seq);
                if (r.topic.rfind("reply/", 0) != 0) continue;  // the loop's own events
                ++n;
                if (r.topic != gw::contract::reply_route(name))
                    broken("reply on another topic", r.topic + " for " + input);
                check_reply(r.payload, input);
            }
        }
        store->flush();
        return n;
    }

    static void check_reply(const std::string& payload, const std::string& input) {
        json r = json::parse(payload, nullptr, false);
        if (r.is_discarded() || !r.is_object()) broken("reply is not a JSON object", payload);
        auto ok = r.find("ok");
        if (ok == r.end() || !ok->is_boolean()) broken("reply without boolean ok", input);
        if (!ok->get<bool>()) {
            auto err = r.find("error");
            if (err == r.end() || !err->is_string() || err->get<std::string>().empty())
                broken("failed reply without an error message", input + " -> " + payload);
        }
    }
};

Site& site() {
    static Site s;
    return s;
}

bool topic_level_name(const std::string& name) {
    static const std::regex kName("^[a-z][a-z0-9_]{0,31}$");
    return std::regex_match(name, kName);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Site& s = site();
    const std::string input(reinterpret_cast<const char*>(data), size);
    const size_t nl = input.find('\n');
    const std::string name = nl == std::string::npos ? std::string() : input.substr(0, nl);
    const std::string payload = nl == std::string::npos ? input : input.substr(nl + 1);
    s.channel->on_command(name, payload, false);
    s.barrier();
    const int replies = s.take_replies(name, input);
    // A usable name gets one reply, unless the message is empty: that is how
    // a retained command is cleared, and it is ignored (docs/contract.md).
    const int expected = topic_level_name(name) && !payload.empty() ? 1 : 0;
    if (replies != expected)
        broken("wrong number of replies", std::to_string(replies) + " (expected " +
                                              std::to_string(expected) + ") for " + input);
    return 0;
}
