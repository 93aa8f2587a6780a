// gw-eval-vision-fire VIDEO_DIR [--clips CSV] [--variant NAME]... [--clip NAME]...
//                    [--set KEY=VALUE]... [--no-generated] [--json] [--trace FILE]
//                    [--jobs N]
// The video fire robustness matrix: every clip of the list (fire clips and
// distractors in VIDEO_DIR) and generated daylight scenes, replayed as
// cameras with other tone curves, exposure, saturation, white balance,
// resolution, compression and frame rates would deliver them, through the
// video_fire detector. Per clip and variant: seconds from the first visible
// flame to the first alarm (fire clips) or the number of alarms
// (distractors). Prints a Markdown table and a summary line; --json prints
// one object per run instead. --trace writes every frame's result (regions
// and their features, as `gatewayctl analyze --details`) as JSON lines, for
// finding out why a cell fails. --jobs N runs N cells at once (default: one
// per core); the results do not depend on it.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio/registry.hpp>

#include "camera_variants.hpp"
#include "config/loader.hpp"
#include "detectors/frame_detector.hpp"
#include "detectors/kinds.hpp"
#include "vision/synthetic_fire.hpp"

namespace {

using gw::eval::Variant;

constexpr double kGoalS = 2.0;           // alarm within this long of visible flames
constexpr double kGeneratedFireS = 12;   // length of a generated fire clip
constexpr double kGeneratedOtherS = 40;  // and of the generated distractor scene
// A generated fire lit in view: the camera has watched the still floor this
// long (longer than the flicker averages' window, flicker_s), so the fire's
// pixels start from a still past, unlike a clip whose flames show from its
// first frame.
constexpr double kLitInViewS = 4;
const cv::Size kGeneratedSize(480, 272);
constexpr double kGeneratedFps = 29.97;
constexpr int kGeneratedQuality = 20;  // strongly compressed

struct Clip {
    std::string name;
    bool fire = false;
    double flames_from_s = 0;
    std::string path;   // empty: generated
    unsigned seed = 0;  // generated scenes
    enum class Scene { brush_fire, daylight, chasing_sign } scene = Scene::brush_fire;
    double lit_s = gw::test::FlameSim::kLitBeforeStartS;  // generated fires
};

struct Outcome {
    std::optional<double> first_alarm_s;  // fire: from the first visible flame
    int alarms = 0;                       // raises of video_flame
    int early = 0;                        // fire clips: raises before the flames
    long frames = 0, flagged = 0;
    std::string error;  // the cell could not run: the message
    int exit_code = 0;  // and the tool's exit code for it
};

// A generated scene as a camera at `fps` records it: the flames burn on
// their own clock, so any rate shows real in-between moments.
class GeneratedSource final : public gw::eval::FrameSource {
  public:
    GeneratedSource(std::unique_ptr<gw::test::GeneratedScene> scene, double seconds, double fps)
        : scene_(std::move(scene)), fps_(fps), frames_(long(seconds * fps)) {}
    double fps() const override { return fps_; }
    bool next(cv::Mat& bgr) override {
        if (n_ >= frames_) return false;
        bgr = scene_->at(n_++ / fps_);
        return true;
    }

  private:
    std::unique_ptr<gw::test::GeneratedScene> scene_;
    double fps_;
    long frames_, n_ = 0;
};

std::vector<Clip> read_clips(const std::string& csv, const std::string& dir) {
    std::ifstream in(csv);
    std::vector<Clip> clips;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#' || line.rfind("clip,", 0) == 0) continue;
        std::stringstream ss(line);
        std::string name, role, from;
        std::getline(ss, name, ',');
        std::getline(ss, role, ',');
        std::getline(ss, from, ',');
        Clip c{name, role == "fire", from.empty() ? 0 : std::stod(from), dir + "/" + name};
        clips.push_back(c);
    }
    return clips;
}

std::vector<Clip> generated_clips() {
    std::vector<Clip> v;
    for (unsigned seed : {1u, 2u, 3u})
        v.push_back({"gen. brush fire " + std::to_string(seed), true, 0, "", seed});
    for (unsigned seed : {1u, 2u, 3u}) {
        Clip lit{"gen. fire " + std::to_string(seed) + " lit in view", true, kLitInViewS, "", seed};
        lit.lit_s = kLitInViewS;
        v.push_back(lit);
    }
    v.push_back({"gen. daylight distractors", false, 0, "", 4, Clip::Scene::daylight});
    v.push_back({"gen. chasing star sign", false, 0, "", 5, Clip::Scene::chasing_sign});
    return v;
}

// Generated scenes are rendered at the variant's rate (a repeating camera:
// its sensor's 10 frames/s); files are resampled by the Resampler.
std::unique_ptr<gw::eval::FrameSource> open(const Clip& c, const Variant& v) {
    if (!c.path.empty()) return gw::eval::open_video(c.path, 0);
    double fps = kGeneratedFps;
    if (v.kind == Variant::Kind::fps) fps = v.repeat ? 10 : v.a;
    std::unique_ptr<gw::test::GeneratedScene> scene;
    switch (c.scene) {
        case Clip::Scene::brush_fire:
            scene = std::make_unique<gw::test::BrushFireScene>(kGeneratedSize, c.seed,
                                                               kGeneratedQuality, c.lit_s);
            break;
        case Clip::Scene::daylight:
            scene = std::make_unique<gw::test::DaylightDistractorScene>(kGeneratedSize, c.seed,
                                                                        kGeneratedQuality);
            break;
        case Clip::Scene::chasing_sign:
            scene = std::make_unique<gw::test::ChasingStarSignScene>(kGeneratedSize, c.seed,
                                                                     kGeneratedQuality);
            break;
    }
    const double seconds = c.fire ? c.flames_from_s + kGeneratedFireS : kGeneratedOtherS;
    return std::make_unique<GeneratedSource>(std::move(scene), seconds, fps);
}

// The detector's settings from `params_toml` (the lines of a
// [detectors.params] table), read by the kind's own reader like a site config.
gw::DetectorConfig fire_config(const std::string& params_toml) {
    gw::DetectorConfig config;
    config.id = "eval";
    config.kind = "video_fire";
    const gw::DetectorKind* kind = gw::detectors::find_kind(config.kind);
    if (!kind) {
        std::cerr << "gw-eval-vision-fire: no video_fire detector in this build\n";
        std::exit(2);
    }
    auto params = gw::read_detector_params(*kind, params_toml);
    if (!params.ok()) {
        std::cerr << "gw-eval-vision-fire: --set: " << params.error() << "\n";
        std::exit(2);
    }
    config.settings = params.settings;
    return config;
}

Outcome run(const Clip& clip, const Variant& v, const gw::DetectorConfig& config,
            std::ostream* trace) {
    gw::EventIdSource ids("eval", 0);
    Outcome o;
    auto det = gw::detectors::make_frame_detector(config, ids);
    if (!det) {
        o.error = det.error(), o.exit_code = 2;
        return o;
    }
    auto source = open(clip, v);
    bool resample = v.kind == Variant::Kind::fps && (!clip.path.empty() || v.repeat);
    gw::eval::Resampler frames(*source, resample ? v.a : 0, v.repeat);
    cv::Mat raw;
    int64_t t_ms = 0;
    std::vector<gw::Event> events;
    std::vector<gw::detectors::Evidence> evidence;
    while (frames.next(raw, t_ms)) {
        events.clear();
        evidence.clear();
        const auto& r = (*det)->on_frame(gw::eval::apply(v, raw), t_ms, events, evidence);
        ++o.frames;
        if (r.fire) ++o.flagged;
        // "flames": the truth of this frame (a fire clip from its first
        // visible flame), which tools/vision-eval/region_classifier.py learns.
        const bool flames = clip.fire && t_ms / 1000.0 >= clip.flames_from_s;
        if (trace)
            *trace << nlohmann::json{{"clip", clip.name},    {"variant", v.name},
                                     {"t_ms", t_ms},         {"flames", flames},
                                     {"fire", r.fire},       {"score", r.score},
                                     {"details", r.details}, {"events", events.size()}}
                          .dump()
                   << "\n";
        for (const auto& e : events) {
            if (e.type != "video_flame" || e.state != gw::EventState::raise) continue;
            ++o.alarms;
            if (clip.fire && !flames) ++o.early;
            if (flames && !o.first_alarm_s) o.first_alarm_s = t_ms / 1000.0 - clip.flames_from_s;
        }
    }
    if (o.frames == 0) o.error = "no frames from " + clip.path, o.exit_code = 1;
    return o;
}

// OpenCV creates some of its globals (the matrix expression ops, the image
// codecs, the video backends) on first use. Created by two cells at once,
// ThreadSanitizer reports races on them (it cannot see inside the
// uninstrumented library whether they are real): create them here, before
// the cells' threads start.
void warm_up_opencv() {
    cv::Mat m;
    m = cv::Mat::zeros(8, 8, CV_8UC3);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", m, jpeg);
    cv::imdecode(jpeg, cv::IMREAD_COLOR);
    cv::videoio_registry::getBackends();
}

struct Cell {
    const Clip* clip;
    const Variant* variant;
};

// Runs the cells on `jobs` (>= 1) threads. `report` gets each outcome in the
// cells' order as soon as it and every cell before it are done, so the
// table streams as with one thread; it returns false to stop (no new cell
// starts). Each cell traces into its own buffer, appended to `trace` when
// the cell is done: trace lines name their clip and variant.
bool run_cells(const std::vector<Cell>& cells, const gw::DetectorConfig& config, unsigned jobs,
               std::ostream* trace, const std::function<bool(size_t, const Outcome&)>& report) {
    std::vector<std::promise<Outcome>> done(cells.size());
    std::vector<std::future<Outcome>> outcomes;
    for (auto& p : done) outcomes.push_back(p.get_future());
    std::atomic<size_t> next{0};
    std::mutex trace_mutex;
    auto worker = [&] {
        for (size_t i; (i = next++) < cells.size();) {
            std::ostringstream lines;
            Outcome o = run(*cells[i].clip, *cells[i].variant, config, trace ? &lines : nullptr);
            if (trace) {
                std::lock_guard<std::mutex> lock(trace_mutex);
                *trace << lines.str();
            }
            done[i].set_value(std::move(o));
        }
    };
    warm_up_opencv();
    std::vector<std::thread> pool;
    for (unsigned j = 0; j < jobs; ++j) pool.emplace_back(worker);
    bool ok = true;
    for (size_t i = 0; ok && i < cells.size(); ++i) ok = report(i, outcomes[i].get());
    if (!ok) next = cells.size();
    for (auto& t : pool) t.join();
    return ok;
}

bool passes(const Clip& c, const Outcome& o) {
    if (c.fire) return o.first_alarm_s && *o.first_alarm_s <= kGoalS && o.early == 0;
    return o.alarms == 0;
}

std::string cell(const Clip& c, const Outcome& o) {
    char buf[64];
    if (c.fire) {
        if (!o.first_alarm_s)
            std::snprintf(buf, sizeof buf, "**miss**");
        else
            std::snprintf(buf, sizeof buf, passes(c, o) ? "%.1f s" : "**%.1f s**",
                          *o.first_alarm_s);
    } else {
        std::snprintf(buf, sizeof buf, o.alarms ? "**%d FA**" : "-", o.alarms);
    }
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"gw-eval-vision-fire: the video fire robustness matrix"};
    std::string dir, csv = "tools/vision-eval/fire_clips.csv", trace_path;
    std::vector<std::string> only_variants, only_clips, sets;
    bool json = false, no_generated = false;
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    app.add_option("VIDEO_DIR", dir, "the clips of --clips (none: generated scenes only)");
    app.add_option("--clips", csv, "clip list (clip,role,flames_from_s)")->capture_default_str();
    app.add_option("--variant", only_variants, "only this variant (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--clip", only_clips, "only this clip (repeatable)")->allow_extra_args(false);
    app.add_option("--set", sets, "detector parameter KEY=VALUE, TOML value (repeatable)")
        ->allow_extra_args(false);
    app.add_flag("--json", json, "one JSON object per cell instead of the table");
    app.add_option("--trace", trace_path, "every frame's regions and features, JSON lines");
    app.add_flag("--no-generated", no_generated, "leave out the generated scenes");
    app.add_option("--jobs", jobs, "cells at once (default: one per core)")
        ->check(CLI::Range(1u, 999u));
    CLI11_PARSE(app, argc, argv);
    std::string params_toml;  // the --set pairs as the lines of a [detectors.params] table
    for (const auto& kv : sets) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos) {
            std::cerr << "--set " << kv << ": expected KEY=VALUE\n";
            return 2;
        }
        params_toml += kv.substr(0, eq) + " = " + kv.substr(eq + 1) + "\n";
    }
    std::unique_ptr<std::ofstream> trace;
    if (!trace_path.empty()) {
        trace = std::make_unique<std::ofstream>(trace_path);
        if (!*trace) {
            std::cerr << "--trace " << trace_path << ": cannot write there\n";
            return 2;
        }
    }
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    cv::setNumThreads(1);  // the cells run in parallel instead
    const gw::DetectorConfig config = fire_config(params_toml);
    std::vector<Clip> clips = dir.empty() ? std::vector<Clip>{} : read_clips(csv, dir);
    if (!no_generated)
        for (auto& c : generated_clips()) clips.push_back(c);
    auto wanted = [](const std::vector<std::string>& list, const std::string& name) {
        return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
    };
    std::vector<Variant> variants;
    for (const auto& v : gw::eval::standard_variants())
        if (wanted(only_variants, v.name)) variants.push_back(v);
    std::vector<Clip> chosen;
    for (const auto& c : clips)
        if (wanted(only_clips, c.name)) chosen.push_back(c);
    if (chosen.empty() || variants.empty()) {
        std::cerr << "gw-eval-vision-fire: no clip or no variant to run\n";
        return 2;
    }
    if (!json) {
        std::cout << "| variant |";
        for (const auto& c : chosen)
            std::cout << " " << c.name << (c.fire ? " (fire)" : "") << " |";
        std::cout << "\n| --- |";
        for (size_t i = 0; i < chosen.size(); ++i) std::cout << " --- |";
        std::cout << std::endl;
    }
    std::vector<Cell> cells;
    for (const auto& v : variants)
        for (const auto& c : chosen) cells.push_back({&c, &v});
    int fire_runs = 0, fire_ok = 0, other_runs = 0, other_ok = 0, exit_code = 0;
    double worst = 0;
    auto report = [&](size_t i, const Outcome& o) {
        const Clip& c = *cells[i].clip;
        const Variant& v = *cells[i].variant;
        if (!o.error.empty()) {
            std::cerr << "gw-eval-vision-fire: " << o.error << "\n";
            exit_code = o.exit_code;
            return false;
        }
        if (!json && &c == &chosen.front()) std::cout << "| " << v.name << " |";
        const bool ok = passes(c, o);
        (c.fire ? fire_runs : other_runs)++;
        if (ok) (c.fire ? fire_ok : other_ok)++;
        if (c.fire) worst = std::max(worst, o.first_alarm_s.value_or(1e9));
        if (json) {
            nlohmann::json j = {{"clip", c.name},     {"variant", v.name},  {"fire", c.fire},
                                {"alarms", o.alarms}, {"frames", o.frames}, {"flagged", o.flagged},
                                {"pass", ok}};
            if (o.first_alarm_s) j["first_alarm_s"] = *o.first_alarm_s;
            std::cout << j.dump() << std::endl;
        } else {
            std::cout << " " << cell(c, o) << " |" << std::flush;
        }
        if (!json && &c == &chosen.back()) std::cout << std::endl;
        return true;
    };
    if (!run_cells(cells, config, jobs, trace.get(), report)) return exit_code;
    std::printf(
        "fire.matrix fire variants alarmed within %.0f s: %d/%d (slowest %s); "
        "distractor variants without an alarm: %d/%d\n",
        kGoalS, fire_ok, fire_runs,
        worst >= 1e9 ? "a miss" : (std::to_string(worst).substr(0, 4) + " s").c_str(), other_ok,
        other_runs);
    return 0;
}
