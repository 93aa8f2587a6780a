// gw-bench-vision [VIDEO] [--frames N] [--pairs N] [--hog-counts F1,F2,...]
// Frames/s of the crowd and fire detectors on 768x576 frames on one core,
// and OpenCV's plain HOG people detector (default detector, default
// detectMultiScale) on the first 20 of the same frames as the baseline: the
// whole-frame way to count people with the library alone. Baseline and
// detectors run in alternating pairs (HOG first, then last, ...); ratios are
// medians of the per-pair ratios with their min and max. With --hog-counts it
// instead prints the people count of OpenCV's peopledetect sample settings
// for the listed frames (JSON lines), the baseline for the count MAE.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/videoio.hpp>

#include "bench_cli.hpp"
#include "bench_util.hpp"
#include "config/loader.hpp"
#include "detectors/frame_detector.hpp"
#include "detectors/kinds.hpp"

namespace {

using Clock = std::chrono::steady_clock;
const cv::Size kSize(768, 576);

std::vector<cv::Mat> load(const std::string& path, int max_frames) {
    cv::VideoCapture cap(path);
    std::vector<cv::Mat> frames;
    cv::Mat f;
    while ((max_frames <= 0 || int(frames.size()) < max_frames) && cap.read(f)) {
        cv::Mat g;
        if (f.size() != kSize)
            cv::resize(f, g, kSize);
        else
            g = f.clone();
        frames.push_back(g);
    }
    return frames;
}

double detector_fps(const std::string& kind, const std::vector<cv::Mat>& frames) {
    const gw::DetectorKind* k = gw::detectors::find_kind(kind);
    if (!k) {
        std::cerr << "no detector kind " << kind << "\n";
        return 0;
    }
    gw::DetectorConfig c;
    c.id = kind;
    c.kind = kind;
    c.settings = gw::read_detector_params(*k, "").settings;  // every default
    gw::EventIdSource ids("bench", 0);
    auto det = gw::detectors::make_frame_detector(c, ids);
    if (!det) {
        std::cerr << det.error() << "\n";
        return 0;
    }
    std::vector<gw::Event> events;
    std::vector<gw::detectors::Evidence> evidence;
    auto t0 = Clock::now();
    for (size_t i = 0; i < frames.size(); ++i)
        (*det)->on_frame(frames[i], static_cast<int64_t>(i) * 100, events, evidence);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return frames.size() / s;
}

double hog_fps(const std::vector<cv::Mat>& frames, size_t n) {
    cv::HOGDescriptor hog;
    hog.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
    std::vector<cv::Rect> found;
    auto t0 = Clock::now();
    n = std::min(n, frames.size());
    for (size_t i = 0; i < n; ++i) hog.detectMultiScale(frames[i], found);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return n / s;
}

int hog_counts(const std::string& path, const std::string& list) {
    std::set<long> wanted;
    std::stringstream ss(list);
    for (std::string item; std::getline(ss, item, ',');) wanted.insert(std::stol(item));
    cv::HOGDescriptor hog;
    hog.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
    cv::VideoCapture cap(path);
    cv::Mat f;
    for (long n = 0; cap.read(f); ++n) {
        if (!wanted.count(n)) continue;
        std::vector<cv::Rect> found;
        // samples/cpp/peopledetect.cpp (OpenCV 4.x) "default" mode settings.
        hog.detectMultiScale(f, found, 0, cv::Size(8, 8), cv::Size(), 1.05, 2, false);
        std::printf("{\"frame\":%ld,\"count\":%zu}\n", n, found.size());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string path = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";
    int max_frames = 200;
    int pairs = 6;
    std::string counts;
    CLI::App app{"gw-bench-vision: the vision detectors' frame rate on one core, against HOG"};
    app.add_option("video", path, "the clip (default Debian's vtest.avi)");
    app.add_option("--frames", max_frames, "frames read from it")->check(CLI::Range(10, 1000000));
    app.add_option("--pairs", pairs, "baseline/subject pairs")->check(CLI::Range(1, 1000));
    app.add_option("--hog-counts", counts,
                   "print HOG's people count at these frames (F1,F2,...) instead");
    gw::bench::parse_or_exit(app, argc, argv);
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    cv::setNumThreads(1);
    if (!counts.empty()) return hog_counts(path, counts);
    auto frames = load(path, max_frames);
    if (frames.size() < 10) {
        std::cerr << "gw-bench-vision: cannot read enough frames from " << path << "\n";
        return 1;
    }
    gw::bench::line("vision.loadavg_start", gw::bench::loadavg_1m(), "load");
    std::vector<double> hog, crowd, fire, crowd_ratio, fire_ratio;
    for (int p = 0; p < pairs; ++p) {
        if (p % 2 == 0) hog.push_back(hog_fps(frames, 20));
        crowd.push_back(detector_fps("crowd", frames));
        fire.push_back(detector_fps("video_fire", frames));
        if (p % 2 == 1) hog.push_back(hog_fps(frames, 20));
        crowd_ratio.push_back(crowd.back() / hog.back());
        fire_ratio.push_back(fire.back() / hog.back());
        std::fprintf(stderr, "vision pair %d: hog %.2f crowd %.1f fire %.1f (load %.2f)\n", p + 1,
                     hog.back(), crowd.back(), fire.back(), gw::bench::loadavg_1m());
    }
    auto report = [](const std::string& key, const std::vector<double>& v, const char* unit) {
        const auto s = gw::bench::spread(v);
        gw::bench::line(key, s.median, unit);
        gw::bench::line(key + "_min", s.min, unit);
        gw::bench::line(key + "_max", s.max, unit);
    };
    gw::bench::line("vision.frames", static_cast<double>(frames.size()), "frames");
    report("vision.crowd_fps", crowd, "frames/s");
    report("vision.fire_fps", fire, "frames/s");
    report("vision.hog_baseline_fps", hog, "frames/s");
    report("vision.crowd_ratio", crowd_ratio, "x");
    report("vision.fire_ratio", fire_ratio, "x");
    gw::bench::line("vision.pairs", pairs, "pairs");
    gw::bench::line("vision.loadavg_end", gw::bench::loadavg_1m(), "load");
    return 0;
}
