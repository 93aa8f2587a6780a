// snapshot and record: a camera frame, and live samples as a replayable trace.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "config/loader.hpp"
#include "core/base64.hpp"
#include "core/file_io.hpp"
#include "core/types.hpp"
#include "daemon_link.hpp"
#include "detectors/kinds.hpp"
#include "options.hpp"

namespace gw::ctl {
namespace {

using nlohmann::json;

int snapshot(const Target& target, const std::string& camera, const std::string& path) {
    if (int rc = refuse_store_file(target, path, "save it"); rc != kOk) return rc;
    json r;
    if (int rc = call(target, {{"cmd", "snapshot"}, {"camera", camera}}, r, 15000); rc != kOk)
        return rc;
    auto jpeg = base64_decode(r.value("jpeg_base64", std::string()));
    if (!jpeg || jpeg->empty()) {
        std::cerr << "gatewayctl: the daemon sent no usable image\n";
        return kFailed;
    }
    // Whole or not at all: a full disk must not leave a torn image.
    const std::string_view bytes(reinterpret_cast<const char*>(jpeg->data()), jpeg->size());
    if (auto s = replace_file_durably(path, bytes, 0644); !s) {
        std::cerr << "gatewayctl: " << s.error() << "\n";
        return kFailed;
    }
    std::cerr << "wrote " << jpeg->size() << " bytes from camera " << camera << " to " << path
              << "\n";
    return kOk;
}

// Samples of different buses arrive slightly out of order; replay needs a
// trace that never goes back in time. Hold samples for a short window and
// write them sorted; anything later than that is written at the last time
// already written, and counted.
class TraceWriter {
  public:
    explicit TraceWriter(std::ostream& out) : out_(out) { out_ << "t_ms,point,value,quality\n"; }

    void add(Sample s) {
        newest_ = std::max(newest_, s.t_ms);
        held_.push_back(std::move(s));
        flush_before(newest_ - kWindowMs);
    }
    void finish() { flush_before(INT64_MAX); }
    long written() const { return written_; }
    long clamped() const { return clamped_; }

  private:
    static constexpr int64_t kWindowMs = 2000;

    void flush_before(int64_t limit) {
        std::stable_sort(held_.begin(), held_.end(),
                         [](const Sample& a, const Sample& b) { return a.t_ms < b.t_ms; });
        size_t n = 0;
        for (; n < held_.size() && held_[n].t_ms <= limit; ++n) {
            Sample& s = held_[n];
            if (s.t_ms < last_) {
                s.t_ms = last_;
                ++clamped_;
            }
            last_ = s.t_ms;
            char value[32];
            std::snprintf(value, sizeof value, "%.10g", s.value);
            out_ << s.t_ms << ',' << s.point << ',' << value << ',' << to_string(s.quality) << '\n';
            ++written_;
        }
        held_.erase(held_.begin(), held_.begin() + static_cast<long>(n));
    }

    std::ostream& out_;
    std::vector<Sample> held_;
    int64_t newest_ = INT64_MIN + kWindowMs;
    int64_t last_ = INT64_MIN;
    long written_ = 0;
    long clamped_ = 0;
};

// Blocks SIGINT/SIGTERM/SIGHUP for the recording and takes them
// synchronously as "stop"; the previous mask comes back on scope exit. A
// dropped SSH session (SIGHUP) killed a long recording without its last
// samples and mid-line, and replay refused the trace.
class StopSignals {
  public:
    StopSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        sigaddset(&set_, SIGHUP);
        sigprocmask(SIG_BLOCK, &set_, &old_);
    }
    ~StopSignals() { sigprocmask(SIG_SETMASK, &old_, nullptr); }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    // Sleeps up to ms; true if a stop signal came.
    bool wait(int ms) {
        timespec ts{ms / 1000, (ms % 1000) * 1000000L};
        return sigtimedwait(&set_, nullptr, &ts) > 0;
    }

  private:
    sigset_t set_{}, old_{};
};

Sample sample_from(const json& j) {
    Sample s;
    s.t_ms = j.value("t_ms", int64_t(0));
    s.point = j.value("point", std::string());
    s.value = j.value("value", 0.0);
    s.quality =
        quality_from_string(j.value("quality", std::string("good"))).value_or(Quality::good);
    return s;
}

// A reload (SIGHUP, the center's reload) or a restart rebuilds the daemon:
// its socket goes away for a moment and its sample ring starts again (the
// samples reply names its ring).
constexpr int kComeBackMs = 30000;
enum class Return { back, stopped, gone };

// Stopping or gone, rather than refusing the request itself.
bool went_away(const ControlError& e) {
    return e.kind == ControlError::Kind::not_running || e.kind == ControlError::Kind::protocol ||
           e.kind == ControlError::Kind::stopping;
}

// Waits for the daemon on `socket` and, without -s, on the socket its
// config names, read again each round while it is readable: a reload may
// have moved it, or failed and gone back to the config before (a file
// half-way through an edit names nothing). `socket` becomes the one that
// answered.
Return come_back(const Target& configured, std::string& socket, StopSignals& stop) {
    std::cerr << "gatewayd went away (a reload or a restart?): waiting up to " << kComeBackMs / 1000
              << " s for it\n";
    const std::string before = socket;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kComeBackMs);
    while (std::chrono::steady_clock::now() < until) {
        if (stop.wait(250)) return Return::stopped;
        std::vector<std::string> candidates{before};
        if (configured.socket.empty())
            if (auto loaded = load_config(configured.config, detectors::kinds()); loaded.ok())
                if (loaded.config->control.socket != before)
                    candidates.insert(candidates.begin(), loaded.config->control.socket);
        for (const auto& candidate : candidates)
            if (ControlClient(candidate, 2000).call({{"cmd", "samples"}})) {
                socket = candidate;
                std::cerr << "gatewayd is back: recording goes on\n";
                return Return::back;
            }
    }
    std::cerr << "gatewayctl: gatewayd did not come back within " << kComeBackMs / 1000 << " s\n";
    return Return::gone;
}

// Pages what the daemon's sample ring holds into a trace, from a cursor set
// at start(): the trace starts then. Follows the daemon through a reload or
// a restart.
class SampleDrain {
  public:
    explicit SampleDrain(Target target) : configured_(target), target_(std::move(target)) {}

    int start() {
        // The config is read once: the technician may edit it while
        // recording (the record/replay tuning loop), and a file half-way
        // through an edit must not end the recording.
        auto socket = socket_of(target_);
        if (!socket) return kUsage;
        target_.socket = *socket;
        json r;
        if (int rc = call(target_, {{"cmd", "samples"}}, r); rc != kOk) return rc;
        cursor_ = r["next"].get<int64_t>();
        ring_ = r.value("ring", uint64_t(0));
        return kOk;
    }

    // Everything there now (also after the stop: the last moments count).
    // Sets `stopping` when the recording must end; returns the exit code.
    int drain(TraceWriter& trace, StopSignals& stop, bool& stopping) {
        for (;;) {
            ControlError why{};
            json r;
            const int rc = call(target_, {{"cmd", "samples"}, {"after", cursor_}, {"limit", kPage}},
                                r, 5000, &why);
            // Turned away for now: the daemon's ring keeps the samples until
            // the next round.
            if (rc == kBusy && !stopping) return kOk;
            if (rc != kOk && !stopping && went_away(why)) {
                const Return back = come_back(configured_, target_.socket, stop);
                // The next reply tells a new ring from the same one (a
                // dropped connection goes on where it was).
                if (back == Return::back) continue;
                stopping = true;
                // Asked to stop while waiting: the trace is whole.
                return back == Return::stopped ? kOk : kNoDaemon;
            }
            if (rc != kOk) {
                stopping = true;
                return rc;
            }
            // Rebuilt (a reload, a restart; seen down or not): a new ring,
            // read from its first sample. This page was cut by the old
            // ring's cursor, so it is asked again.
            if (const uint64_t now = r.value("ring", uint64_t(0)); now != ring_) {
                ring_ = now;
                cursor_ = 0;
                continue;
            }
            for (const auto& s : r["samples"]) trace.add(sample_from(s));
            dropped_ += r.value("dropped", uint64_t(0));
            cursor_ = r["next"].get<int64_t>();
            if (r["samples"].size() < kPage) return kOk;
        }
    }

    uint64_t dropped() const { return dropped_; }

  private:
    static constexpr size_t kPage = 2000;
    const Target configured_;  // as given: -s, or the config to read it from
    Target target_;            // with its socket resolved at start()
    int64_t cursor_ = 0;
    uint64_t ring_ = 0;
    uint64_t dropped_ = 0;
};

int record(const Target& target, const std::string& path, double for_ms) {
    if (int rc = refuse_store_file(target, path, "record"); rc != kOk) return rc;
    SampleDrain samples(target);
    if (int rc = samples.start(); rc != kOk) return rc;
    std::ofstream out(path, std::ios::trunc);
    if (!out) {
        std::cerr << "gatewayctl: cannot write " << path << ": " << std::strerror(errno) << "\n";
        return kFailed;
    }
    TraceWriter trace(out);
    StopSignals stop;
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(for_ms));
    std::cerr << "recording to " << path << (for_ms > 0 ? "" : " (Ctrl-C to stop)") << "\n";
    int rc = kOk;
    for (bool stopping = false; !stopping;) {
        stopping = (for_ms > 0 && std::chrono::steady_clock::now() >= end) || stop.wait(250);
        rc = samples.drain(trace, stop, stopping);
    }
    trace.finish();
    out.flush();
    std::cerr << "recorded " << trace.written() << " samples to " << path << "\n";
    if (samples.dropped() > 0)
        std::cerr << "warning: " << samples.dropped()
                  << " samples were missed (the daemon's ring overflowed)\n";
    if (trace.clamped() > 0)
        std::cerr << "note: " << trace.clamped()
                  << " samples arrived over 2 s late and were written at the previous time\n";
    if (!out) {
        std::cerr << "gatewayctl: writing " << path << " failed\n";
        return kFailed;
    }
    return rc;
}

}  // namespace

void add_capture_commands(CLI::App& app, Runner& run) {
    auto target = std::make_shared<Target>();
    auto out = std::make_shared<std::string>();

    auto* snap = app.add_subcommand("snapshot", "a camera frame with detector overlays (JPEG)");
    add_target_options(snap, *target);
    auto camera = std::make_shared<std::string>();
    snap->add_option("--camera", *camera, "camera id")->required();
    snap->add_option("-o,--out", *out, "output file (.jpg)")->required();
    snap->callback([&run, target, camera, out] {
        run = [target, camera, out] { return snapshot(*target, *camera, *out); };
    });

    auto* rec = app.add_subcommand(
        "record", "live samples as a trace (t_ms,point,value[,quality]) that `replay` reads");
    add_target_options(rec, *target);
    auto for_ms = std::make_shared<double>(0);
    rec->add_option("-o,--out", *out, "output file (.csv)")->required();
    add_duration(rec, "--for", *for_ms, "how long, e.g. 30s, 5min, 1h (default: until Ctrl-C)", 1,
                 7.0 * 24 * 3600000);
    rec->callback([&run, target, out, for_ms] {
        run = [target, out, for_ms] { return record(*target, *out, *for_ms); };
    });
}

}  // namespace gw::ctl
