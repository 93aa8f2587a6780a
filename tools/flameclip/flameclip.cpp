// gw-flameclip: writes a video of a small fire for the demo's fire camera
// (tools/demo) when no real footage is at hand: an evening yard with a waste
// bin that catches fire after --start seconds and grows. Flames are drawn
// the way tests/vision/synthetic.hpp draws them (outline and brightness
// change at random every frame, as real flames do); the scene has sensor
// noise so that a looped file is never a frozen image to the camera's health
// check. Not a benchmark of the detector: real footage is (docs/vision.md).
#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

namespace {

struct Options {
    std::string out;
    double seconds = 30;
    double start_s = 3;
    double grow_s = 20;  // from a small flame to a big one: the video_fire growth rule sees it
    int fps = 10;
    int width = 640;
    int height = 360;
    unsigned seed = 7;
};

// A still evening yard: sky, a building with cool-lit windows, asphalt and
// a green waste bin where the fire starts.
cv::Mat yard(cv::Size size, cv::Rect& bin) {
    cv::Mat bg(size, CV_8UC3);
    const int horizon = size.height * 11 / 20;
    for (int y = 0; y < size.height; ++y) {
        double t = double(y) / horizon;
        cv::Scalar c = y < horizon ? cv::Scalar(120 - 40 * t, 90 - 30 * t, 60 - 20 * t)
                                   : cv::Scalar(72, 74, 78);
        bg.row(y).setTo(c);
    }
    cv::Rect building(size.width / 12, size.height / 6, size.width / 2, horizon - size.height / 6);
    cv::rectangle(bg, building, cv::Scalar(95, 100, 110), cv::FILLED);
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 6; ++c) {
            cv::Rect w(building.x + 12 + c * (building.width - 24) / 6,
                       building.y + 10 + r * (building.height - 20) / 4, building.width / 10,
                       building.height / 7);
            cv::rectangle(bg, w, (r + c) % 3 ? cv::Scalar(70, 62, 58) : cv::Scalar(200, 190, 170),
                          cv::FILLED);
        }
    cv::line(bg, {0, horizon + size.height / 5}, {size.width, horizon + size.height / 6},
             cv::Scalar(150, 150, 150), 2);
    bin =
        cv::Rect(size.width * 13 / 20, horizon + size.height / 8, size.width / 12, size.height / 8);
    cv::rectangle(bg, bin, cv::Scalar(40, 90, 40), cv::FILLED);
    cv::rectangle(bg, bin, cv::Scalar(20, 50, 20), 2);
    cv::Mat texture(size, CV_8UC3);
    cv::randn(texture, cv::Scalar::all(0), cv::Scalar::all(5));
    bg += texture;
    return bg;
}

// One flame frame at `base` (bottom centre), `size` px tall.
void draw_flame(cv::Mat& f, cv::Point base, int size, std::mt19937& rng) {
    std::uniform_real_distribution<double> u(0.6, 1.4);
    for (int k = 0; k < 5; ++k) {
        int w = int(size * 0.25 * u(rng)), hh = int(size * 0.5 * u(rng));
        cv::Point c(base.x + int((u(rng) - 1) * size * 0.4), base.y - hh);
        cv::ellipse(f, c, {w, hh}, 0, 0, 360, cv::Scalar(0, 90 + 60 * (u(rng) - 0.6), 240),
                    cv::FILLED);
    }
    cv::ellipse(f, {base.x, base.y - size / 4}, {size / 8, size / 5}, 0, 0, 360, {120, 230, 255},
                cv::FILLED);
}

int write_clip(const Options& o) {
    cv::VideoWriter w(o.out, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), o.fps,
                      {o.width, o.height});
    if (!w.isOpened()) {
        std::fprintf(stderr, "gw-flameclip: cannot write %s\n", o.out.c_str());
        return 1;
    }
    cv::Rect bin;
    const cv::Mat bg = yard({o.width, o.height}, bin);
    std::mt19937 rng(o.seed);
    // A few noise images, cycled: frames differ as a real sensor's do, at a
    // fraction of the cost of fresh noise for every frame.
    std::vector<cv::Mat> noise(7);
    for (auto& n : noise) {
        n.create(bg.size(), CV_8UC3);
        cv::randn(n, cv::Scalar::all(0), cv::Scalar::all(3));
    }
    cv::Mat frame;
    const int frames = int(o.seconds * o.fps);
    for (int n = 0; n < frames; ++n) {
        frame = bg.clone();
        const double t = double(n) / o.fps - o.start_s;
        if (t >= 0) {
            const double grown = std::min(1.0, t / o.grow_s);
            const int size = int(o.height * (0.08 + 0.32 * grown));
            draw_flame(frame, {bin.x + bin.width / 2, bin.y + bin.height / 4}, size, rng);
        }
        frame += noise[size_t(n) % noise.size()];
        w.write(frame);
    }
    std::printf("%s: %d frames at %d fps, %dx%d, flame from %.1f s\n", o.out.c_str(), frames, o.fps,
                o.width, o.height, o.start_s);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"gw-flameclip: a generated video of a waste-bin fire (MJPG AVI) for the demo"};
    Options o;
    app.add_option("-o,--out", o.out, "output file (.avi)")->required();
    app.add_option("--seconds", o.seconds, "length")->check(CLI::Range(1.0, 3600.0));
    app.add_option("--start", o.start_s, "flame appears after this many seconds")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("--grow", o.grow_s, "seconds from a small to a big flame")
        ->check(CLI::Range(0.1, 3600.0));
    app.add_option("--fps", o.fps, "frames per second")->check(CLI::Range(1, 60));
    app.add_option("--width", o.width)->check(CLI::Range(64, 3840));
    app.add_option("--height", o.height)->check(CLI::Range(48, 2160));
    app.add_option("--seed", o.seed, "random seed (same seed, same clip)");
    CLI11_PARSE(app, argc, argv);
    return write_clip(o);
}
