#include "gateway_commands.hpp"

#include <unistd.h>

#include <memory>

#include "config/loader.hpp"
#include "config/start_checks.hpp"
#include "detectors/kinds.hpp"

namespace gw::command {
namespace {

using nlohmann::json;

constexpr int64_t kSnapshotDeadlineMs = 15000;
// The control socket's selftest has 65 s (its mqtt test at most 60 s).
constexpr int64_t kSelftestDeadlineMs = 70000;
constexpr int64_t kReloadDeadlineMs = 15000;

void snapshot(const GatewayCommandContext& ctx, const json& req, const Done& done) {
    const std::string camera = req.at("camera").get<std::string>();
    if (!ctx.config.camera(camera)) return done(error(ctx.config.no_camera(camera)));
    if (!ctx.snapshot) return done(error("snapshots are not available in this daemon"));
    auto jpeg = ctx.snapshot(camera);
    if (!jpeg) return done(error(jpeg.error()));
    Event e;
    e.id = ctx.ids.next();
    e.evidence = e.id;  // the frame is this event's own evidence
    e.detector = camera;
    e.kind = "camera";
    e.type = "snapshot";
    e.one_shot = true;
    e.severity = Severity::info;
    e.message = "snapshot requested by the center (" + req.at("id").get<std::string>() + ")";
    e.details = {{"request", req.at("id")}};
    auto stored = ctx.intake.submit_event(e);
    if (!stored) return done(error("could not store the snapshot event: " + stored.error()));
    const std::vector<uint8_t> bytes(jpeg->begin(), jpeg->end());
    if (auto s = ctx.intake.submit_evidence(*stored, "image/jpeg", bytes); !s)
        return done(error("could not store the snapshot image: " + s.error()));
    done({{"event", *stored}, {"camera", camera}, {"bytes", bytes.size()}});
}

void selftest(const GatewayCommandContext& ctx, const Done& done) {
    const Peer self{::getpid(), ::getuid(), ::getgid(), {}};
    ctx.control.submit({{"cmd", "selftest"}}, self, [done](json reply) {
        if (reply.value("busy", false))
            return done(try_again(reply.value("error", std::string("busy"))));
        if (!reply.value("ok", false))
            return done(error(reply.value("error", std::string("selftest failed"))));
        reply.erase("ok");
        done(std::move(reply));
    });
}

void reload(const GatewayCommandContext& ctx, const Done& done) {
    auto hash = check_new_config(ctx.config);
    if (!hash) return done(error(hash.error()));
    const bool changed = *hash != ctx.config.hash;
    done({{"config_hash", *hash},
          {"changed", changed},
          {"applied", changed ? "restarting the gateway's parts with the new config"
                              : "nothing to apply: the file is the running config"}});
    // The reply is stored by now (done() returns after that).
    if (changed && ctx.restart) ctx.restart();
}

}  // namespace

Result<std::string> check_new_config(const Config& running) {
    auto loaded = load_config(running.file, detectors::kinds());
    auto problems = loaded.ok() ? start_problems(*loaded.config) : loaded.errors.lines;
    if (loaded.ok())
        for (auto& line : reload_problems(running, *loaded.config))
            problems.push_back(std::move(line));
    if (!problems.empty()) {
        std::string all;
        for (const auto& line : problems) all += (all.empty() ? "" : "\n") + line;
        return fail(all);
    }
    return loaded.config->hash;
}

void add_gateway_commands(CommandRouter& router, GatewayCommandContext ctx) {
    auto c = std::make_shared<GatewayCommandContext>(std::move(ctx));
    router.add(
        "snapshot", [c](const json& r, Done done) { snapshot(*c, r, done); }, kSnapshotDeadlineMs);
    router.add(
        "selftest", [c](const json&, Done done) { selftest(*c, done); }, kSelftestDeadlineMs);
    router.add(
        "reload", [c](const json&, Done done) { reload(*c, done); }, kReloadDeadlineMs);
}

}  // namespace gw::command
