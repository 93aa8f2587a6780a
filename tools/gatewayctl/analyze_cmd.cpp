// gatewayctl analyze: runs a vision detector offline over a video file so a
// technician can calibrate a camera (ROI, area, thresholds) and check what
// it would report. Every frame feeds the detector; --every only thins output.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>
#include <nlohmann/json.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "commands.hpp"
#include "config/loader.hpp"
#include "core/file_io.hpp"
#include "detectors/frame_detector.hpp"
#include "detectors/kinds.hpp"
#include "options.hpp"

namespace gw::ctl {

namespace {

struct AnalyzeOptions {
    std::string video;
    std::string detector = "crowd";
    int every = 1;
    double camera_fps = 0;  // 0: every frame of the file
    long max_frames = 0;    // 0: the whole file
    std::vector<double> roi;
    double area = 0;
    bool json = false;
    bool details = false;
    std::string snapshot_dir;
    std::string overlay_dir;        // every reported frame with the detections drawn
    std::vector<std::string> sets;  // key=value parameter overrides
};

// A --set value as TOML: itself if it is a TOML value (number, boolean,
// quoted string, array), else a bare word taken as a string.
std::string toml_value(const std::string& text) {
    if (!unparsable_toml("v = " + text, "--set").empty()) return nlohmann::json(text).dump();
    try {
        auto doc = toml::parse("v = " + text);
        if (doc.size() == 1 && doc.contains("v")) return text;
    } catch (const toml::parse_error&) {
    }
    return nlohmann::json(text).dump();  // a JSON string is a TOML basic string
}

// The options as the lines of a [detectors.params] table, read by the kind's
// own reader like a site config's. A later setting of a key wins (--set over
// --roi and --area).
Result<std::string> params_text(const AnalyzeOptions& o) {
    std::vector<std::pair<std::string, std::string>> values;  // key -> TOML value
    auto put = [&](const std::string& key, const std::string& value) {
        for (auto& kv : values)
            if (kv.first == key) {
                kv.second = value;
                return;
            }
        values.emplace_back(key, value);
    };
    if (o.detector == "crowd") {  // region options; the fire detector has none
        if (!o.roi.empty()) put("roi", nlohmann::json(o.roi).dump());
        if (o.area > 0) put("area_m2", nlohmann::json(o.area).dump());
    }
    for (const auto& s : o.sets) {
        auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) return fail("--set " + s + ": expected KEY=VALUE");
        put(s.substr(0, eq), toml_value(s.substr(eq + 1)));
    }
    std::string text;
    for (const auto& [key, value] : values) text += key + " = " + value + "\n";
    return text;
}

Result<DetectorConfig> detector_config(const AnalyzeOptions& o) {
    DetectorConfig c;
    c.id = o.detector;
    c.kind = o.detector == "fire" ? "video_fire" : "crowd";
    auto text = params_text(o);
    if (!text) return fail(text.error());
    const DetectorKind* kind = detectors::find_kind(c.kind);
    if (!kind) return fail("no " + c.kind + " detector in this build");
    auto params = read_detector_params(*kind, *text);
    if (!params.ok()) return fail("detector " + c.id + ": " + params.error());
    c.settings = params.settings;
    return c;
}

// A live camera set to a lower rate than the file's delivers one frame per
// period and drops the rest; frame numbers and times stay the file's.
bool kept_by_camera(long n, double file_fps, double camera_fps) {
    if (camera_fps <= 0 || camera_fps >= file_fps) return true;
    auto slot = [&](long i) { return static_cast<long>(std::floor(i * camera_fps / file_fps)); };
    return n == 0 || slot(n) != slot(n - 1);
}

nlohmann::json frame_json(const AnalyzeOptions& o, long frame, const detectors::FrameResult& r) {
    nlohmann::json j = {{"frame", frame}, {"t_ms", r.t_ms}};
    if (o.details && !r.details.is_null()) j["details"] = r.details;
    if (o.detector == "fire") {
        j["fire"] = r.fire;
        j["score"] = std::round(r.score * 1000) / 1000;
    } else {
        // A detector still learning its background has no count yet: null,
        // never a number that looks like one.
        j["count"] = r.ready ? nlohmann::json(r.count) : nlohmann::json(nullptr);
        j["density"] =
            r.ready ? nlohmann::json(std::round(r.density * 1000) / 1000) : nlohmann::json(nullptr);
        j["ready"] = r.ready;
        if (r.dense_mode) j["mode"] = "occupancy";
    }
    return j;
}

nlohmann::json event_json(long frame, const Event& e, const std::string& evidence_path) {
    nlohmann::json j = {{"event", std::string(to_string(e.state))},
                        {"frame", frame},
                        {"severity", std::string(to_string(e.severity))},
                        {"type", e.type},
                        {"id", e.id},
                        {"incident", e.incident},
                        {"value", e.value},
                        {"message", e.message}};
    if (e.evidence) j["evidence"] = *e.evidence;
    if (!evidence_path.empty()) j["snapshot"] = evidence_path;
    return j;
}

std::string write_evidence(const AnalyzeOptions& o, const detectors::Evidence& ev) {
    if (o.snapshot_dir.empty()) return {};
    auto path = std::filesystem::path(o.snapshot_dir) / (ev.event_id + ".jpg");
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(ev.bytes.data()),
              static_cast<std::streamsize>(ev.bytes.size()));
    if (!out) {
        std::cerr << "analyze: cannot write " << path.string() << "\n";
        return {};
    }
    return path.string();
}

void write_overlay(const AnalyzeOptions& o, long n, const detectors::FrameDetector& det,
                   const cv::Mat& frame) {
    cv::Mat shown = frame.clone();
    det.draw(shown);
    auto path = std::filesystem::path(o.overlay_dir) / ("frame_" + std::to_string(n) + ".jpg");
    if (!cv::imwrite(path.string(), shown))
        std::cerr << "analyze: cannot write " << path.string() << "\n";
}

void print_frame(const AnalyzeOptions& o, long frame, const detectors::FrameResult& r) {
    if (o.json) {
        std::cout << frame_json(o, frame, r).dump() << "\n";
    } else if (o.detector == "fire") {
        std::cout << "frame " << frame << " fire " << (r.fire ? "yes" : "no") << " score "
                  << r.score << "\n";
    } else if (!r.ready) {
        std::cout << "frame " << frame << " learning the background (no count yet)\n";
    } else {
        std::cout << "frame " << frame << " count " << r.count << " density " << r.density << "\n";
    }
}

void print_event(const AnalyzeOptions& o, long frame, const Event& e, const std::string& shot) {
    if (o.json) {
        std::cout << event_json(frame, e, shot).dump() << "\n";
        return;
    }
    std::cout << "frame " << frame << " " << to_string(e.state) << " " << to_string(e.severity)
              << " " << e.type << ": " << e.message << (shot.empty() ? "" : " [" + shot + "]")
              << "\n";
}

int analyze(const AnalyzeOptions& o) {
    auto config = detector_config(o);
    if (!config) {
        std::cerr << "analyze: " << config.error() << "\n";
        return kUsage;
    }
    EventIdSource ids("analyze", 0);
    auto det = detectors::make_frame_detector(*config, ids);
    if (!det) {
        std::cerr << "analyze: " << det.error() << "\n";
        return kUsage;
    }
    for (const auto* dir : {&o.snapshot_dir, &o.overlay_dir}) {
        if (dir->empty()) continue;
        std::error_code ec;
        std::filesystem::create_directories(*dir, ec);
        if (ec) {
            std::cerr << "analyze: cannot create " << *dir << ": " << ec.message() << "\n";
            return kUsage;
        }
    }
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    // A missing file must be reported as such: some backends "open" any
    // name; a FIFO would wait for a writer for ever.
    if (auto file = readable_regular_file(o.video); !file) {
        std::cerr << "analyze: cannot open video " << o.video << ": " << file.error() << "\n";
        return kUsage;
    }
    cv::VideoCapture cap;
    if (!cap.open(o.video)) {
        std::cerr << "analyze: cannot open video " << o.video << "\n";
        return kUsage;
    }
    double fps = cap.get(cv::CAP_PROP_FPS);
    if (!(fps > 0 && fps < 1000)) fps = 10;  // files without a rate: assume a typical camera
    cv::Mat frame;
    long n = 0;
    for (; (o.max_frames == 0 || n < o.max_frames) && cap.read(frame); ++n) {
        if (!kept_by_camera(n, fps, o.camera_fps)) continue;
        auto t_ms = static_cast<int64_t>(std::llround(n * 1000.0 / fps));
        std::vector<Event> events;
        std::vector<detectors::Evidence> evidence;
        const auto& r = (*det)->on_frame(frame, t_ms, events, evidence);
        if (n % o.every == 0) {
            print_frame(o, n, r);
            if (!o.overlay_dir.empty()) write_overlay(o, n, **det, frame);
        }
        for (const auto& e : events) {
            std::string shot;
            for (const auto& ev : evidence)
                if (e.evidence && ev.event_id == *e.evidence) shot = write_evidence(o, ev);
            print_event(o, n, e, shot);
        }
    }
    if (n == 0) {
        std::cerr << "analyze: no frames could be read from " << o.video << "\n";
        return kFailed;
    }
    return kOk;
}

}  // namespace

void add_analyze_commands(CLI::App& app, Runner& run) {
    auto o = std::make_shared<AnalyzeOptions>();
    auto* cmd = app.add_subcommand("analyze", "run a vision detector over a video file");
    cmd->add_option("VIDEO", o->video, "video file")->required();
    cmd->add_option("--detector", o->detector, "crowd or fire")
        ->check(CLI::IsMember({"crowd", "fire"}));
    cmd->add_option("--every", o->every, "report every Nth frame (all frames are analysed)")
        ->check(between(1, 1000000));
    cmd->add_option("--camera-fps", o->camera_fps,
                    "analyse the frames a camera set to this rate would deliver (drops the rest)")
        ->check(between(0.1, 1000.0));
    cmd->add_option("--frames", o->max_frames, "analyse only the first N frames")
        ->check(between(0L, 1000000000L));
    cmd->add_option("--roi", o->roi, "region polygon x,y,x,y,... in pixels")
        ->delimiter(',')
        ->check(between(-1e6, 1e6));
    cmd->add_option("--area", o->area, "ground area of the region in m2")->check(between(0.0, 1e6));
    cmd->add_flag("--json", o->json, "one JSON object per line");
    cmd->add_flag("--details", o->details, "with --json: the detector's diagnostics per frame");
    cmd->add_option("--snapshot-dir", o->snapshot_dir, "write evidence JPEGs here");
    cmd->add_option("--overlay-dir", o->overlay_dir,
                    "write each reported frame with the detections drawn here");
    cmd->add_option("--set", o->sets,
                    "detector parameter KEY=VALUE (a TOML value as in the config), repeatable");
    cmd->callback([&run, o] { run = [o] { return analyze(*o); }; });
}

}  // namespace gw::ctl
