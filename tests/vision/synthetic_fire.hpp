#pragma once
// Generated daylight scenes for the video fire tests and the robustness
// evaluation (tools/eval-vision): flames that burn with their own physics
// over a sunlit forest floor, and fire-coloured things that are not fire,
// as a compressing camera at any frame rate and size would deliver them.
//
// The flames are a heat field that rises, drifts and cools at random (the
// classic cellular fire), stepped at a fixed 60 Hz whatever the camera's
// rate: a camera at 10 or 30 frames/s samples the same flames at different
// moments, as a real one would. None of these scenes is development footage:
// the detector is not tuned on them (docs/vision.md).
//
// Every random draw is a statement of its own, never two in one call's
// arguments: C++ leaves their order open (GCC takes them right to left on
// x86-64, left to right on aarch64), and a scene must be the same on the
// gateway as on a laptop. The draws keep the order x86-64 took, so the
// scenes are still the ones docs/vision.md's tables were measured on.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace gw::test {

class FlameSim {
  public:
    // A flame up to `width` x `height` px with its base centred at `base`;
    // `wind` leans it (cells per step to the right, -1..1). It is lit at
    // `lit_s` (seconds): by default well before the first frame, so it
    // burns in full from it; lit later, it grows from its fuel bed, as a
    // fire that starts in view of a camera already watching.
    FlameSim(cv::Point base, int width, int height, unsigned seed, double wind = 0,
             double lit_s = kLitBeforeStartS)
        : base_(base), size_(width, height), rng_(seed), wind_(wind), t_(lit_s) {
        heat_ = cv::Mat::zeros(kRows, kCols, CV_32F);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        for (int x = 0; x < kCols; ++x) {
            double e = 1.0 - std::pow(std::abs(2.0 * (x + 0.5) / kCols - 1.0), 2.0);
            fuel_.push_back(std::max(0.0, e) * (0.75 + 0.25 * u(rng_)));
        }
        advance_to(0);  // a flame lit before the first frame burns from it
    }

    static constexpr double kLitBeforeStartS = -2.0;

    // Runs the flames up to t seconds (t >= the last call).
    void advance_to(double t) {
        for (; t_ < t; t_ += 1.0 / kHz) step();
    }

    // Draws the flames over `bgr`: translucent at the cool edges.
    void render(cv::Mat& bgr) const {
        cv::Mat soft, h;
        cv::GaussianBlur(heat_, soft, {3, 3}, 0.7);
        cv::resize(soft, h, size_, 0, 0, cv::INTER_CUBIC);
        cv::Rect box(base_.x - size_.width / 2, base_.y - size_.height, size_.width, size_.height);
        cv::Rect clip = box & cv::Rect(0, 0, bgr.cols, bgr.rows);
        for (int y = clip.y; y < clip.br().y; ++y) {
            auto* p = bgr.ptr<cv::Vec3b>(y);
            const float* q = h.ptr<float>(y - box.y);
            // Narrower towards the top: the flame's envelope.
            double up = 1.0 - double(y - box.y) / size_.height;
            double half = 0.5 * size_.width * (1.0 - 0.55 * up);
            for (int x = clip.x; x < clip.br().x; ++x) {
                double dx = std::abs(x - base_.x) / std::max(1.0, half);
                double v = q[x - box.x] * std::max(0.0, 1.0 - dx * dx * dx);
                if (v < kVisible) continue;
                double a = std::min(1.0, (v - kVisible) / 0.25);
                cv::Vec3d c = colour(v);
                for (int k = 0; k < 3; ++k)
                    p[x][k] = cv::saturate_cast<uchar>((1 - a) * p[x][k] + a * c[k]);
            }
        }
    }

  private:
    static constexpr int kCols = 24, kRows = 40;
    static constexpr double kHz = 60;
    static constexpr double kVisible = 0.12;
    static constexpr double kCooling = 1.6;  // mean heat lost over the flame's height

    // Flames in daylight (BGR): deep orange at the cool edges, orange, then
    // yellow to pale yellow-white in the hot core.
    static cv::Vec3d colour(double v) {
        v = std::clamp(v, 0.0, 1.0);
        if (v < 0.45) {
            double s = (v - kVisible) / (0.45 - kVisible);
            return {20 + 20 * s, 70 + 70 * s, 210 + 40 * s};
        }
        if (v < 0.75) {
            double s = (v - 0.45) / 0.30;
            return {40 + 30 * s, 140 + 70 * s, 250 + 5 * s};
        }
        double s = (v - 0.75) / 0.25;
        return {70 + 120 * s, 210 + 35 * s, 255};
    }

    void step() {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        // The fuel bed burns unevenly.
        float* bottom = heat_.ptr<float>(kRows - 1);
        for (int x = 0; x < kCols; ++x) bottom[x] = float(fuel_[x] * (0.7 + 0.5 * u(rng_)));
        // Each cell takes the heat from below, shifted at random (turbulence,
        // wind), and cools by a random amount: tongues rise and break off.
        for (int y = 0; y < kRows - 1; ++y) {
            float* row = heat_.ptr<float>(y);
            const float* below = heat_.ptr<float>(y + 1);
            for (int x = 0; x < kCols; ++x) {
                int shift = int(std::floor(u(rng_) * 3.0 - 1.0 + wind_));
                int src = std::clamp(x + shift, 0, kCols - 1);
                row[x] = float(std::max(0.0, below[src] - u(rng_) * kCooling / kRows));
            }
        }
    }

    cv::Point base_;
    cv::Size size_;
    std::mt19937 rng_;
    double wind_;
    cv::Mat heat_;
    std::vector<double> fuel_;
    double t_;  // the flames' clock: no heat before it starts
};

// A sunlit forest floor: dry leaves (tan, brown, dark brown) and green plants.
inline cv::Mat leaf_litter(cv::Size size, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    auto draw = [&](double lo, double span) { return lo + span * u(rng); };
    cv::Mat bg(size, CV_8UC3, cv::Scalar(70, 105, 135));
    for (int i = 0, n = size.area() / 40; i < n; ++i) {
        const double y = u(rng), x = u(rng);
        const cv::Point c(int(x * size.width), int(y * size.height));
        const double ay = u(rng), ax = u(rng);
        const cv::Size axes(2 + int(ax * 6), 1 + int(ay * 3));
        const double k = u(rng);
        cv::Scalar col;  // drawn red, green, blue
        if (k < 0.4) {
            col[2] = draw(175, 45), col[1] = draw(140, 40), col[0] = draw(90, 40);
        } else if (k < 0.8) {
            col[2] = draw(120, 40), col[1] = draw(80, 30), col[0] = draw(45, 25);
        } else {
            col[2] = draw(60, 25), col[1] = draw(40, 20), col[0] = draw(25, 15);
        }
        cv::ellipse(bg, c, axes, u(rng) * 180, 0, 360, col, cv::FILLED);
    }
    for (int i = 0, n = 6 + int(u(rng) * 6); i < n; ++i) {
        const double y = u(rng), x = u(rng);
        const cv::Point c(int(x * size.width), int(y * size.height));
        const int r = 10 + int(u(rng) * 30);
        for (int j = 0; j < r * 3; ++j) {
            const double dy = u(rng), dx = u(rng);
            const cv::Point p = c + cv::Point(int((dx - 0.5) * 2 * r), int((dy - 0.5) * 2 * r));
            cv::Scalar col;
            col[2] = draw(50, 60), col[1] = draw(110, 80), col[0] = draw(30, 40);
            const double angle = u(rng) * 180, aw = u(rng), ah = u(rng);
            cv::ellipse(bg, p, {2 + int(aw * 5), 1 + int(ah * 2)}, angle, 0, 360, col, cv::FILLED);
        }
    }
    cv::GaussianBlur(bg, bg, {3, 3}, 0.6);
    return bg;
}

// What a cheap camera makes of a scene: sensor noise, then JPEG at `quality`.
inline cv::Mat camera_output(const cv::Mat& scene, int quality, std::mt19937& rng) {
    cv::Mat noise(scene.size(), CV_16SC3), img;
    cv::theRNG().state = rng();
    cv::randn(noise, 0, 2.5);
    scene.convertTo(img, CV_16SC3);
    img += noise;
    img.convertTo(img, CV_8UC3);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", img, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality});
    return cv::imdecode(jpeg, cv::IMREAD_COLOR);
}

// A generated clip: a scene that renders any moment t (seconds).
class GeneratedScene {
  public:
    virtual ~GeneratedScene() = default;
    virtual cv::Mat at(double t) = 0;
};

// A brush fire in daylight: a front of orange flames over dry leaves and
// green plants, burning from before the first frame, or lit at `lit_s`
// seconds in view (the camera has watched the still floor until then).
class BrushFireScene final : public GeneratedScene {
  public:
    BrushFireScene(cv::Size size, unsigned seed, int quality,
                   double lit_s = FlameSim::kLitBeforeStartS)
        : bg_(leaf_litter(size, seed)), rng_(seed), quality_(quality) {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        int n = 3 + int(u(rng_) * 3);
        double cx = size.width * (0.3 + 0.4 * u(rng_)), cy = size.height * (0.55 + 0.3 * u(rng_));
        double h = size.height * (0.18 + 0.2 * u(rng_));
        for (int i = 0; i < n; ++i) {
            cv::Point base(int(cx + (i - n / 2.0) * h * 0.45), int(cy + (u(rng_) - 0.5) * h * 0.3));
            int fh = int(h * (0.6 + 0.5 * u(rng_)));
            const double wind = (u(rng_) - 0.5) * 0.4;
            flames_.emplace_back(base, int(fh * 0.55), fh, unsigned(seed * 31 + i), wind, lit_s);
        }
    }
    cv::Mat at(double t) override {
        cv::Mat f = bg_.clone();
        for (auto& fl : flames_) {
            fl.advance_to(t);
            fl.render(f);
        }
        return camera_output(f, quality_, rng_);
    }

  private:
    cv::Mat bg_;
    std::mt19937 rng_;
    int quality_;
    std::vector<FlameSim> flames_;
};

// Daylight things a flame detector must not take for fire, over the same
// forest floor: autumn foliage (orange, brown, yellow leaves) swaying and
// fluttering in gusty wind, a worker in an orange vest walking, and a
// vehicle's orange indicator blinking at 1.5 Hz.
class DaylightDistractorScene final : public GeneratedScene {
  public:
    DaylightDistractorScene(cv::Size size, unsigned seed, int quality)
        : bg_(leaf_litter(size, seed)), rng_(seed), quality_(quality) {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        for (int i = 0; i < 160; ++i) {
            Leaf l;
            const double y = u(rng_), x = u(rng_);
            l.c = cv::Point2d(size.width * (0.05 + 0.4 * x), size.height * 0.45 * y);
            const double ay = u(rng_), ax = u(rng_);
            l.axes = cv::Size(3 + int(ax * 5), 2 + int(ay * 3));
            double k = u(rng_);
            l.col = k < 0.45   ? cv::Scalar(30, 120 + 50 * u(rng_), 230)  // orange
                    : k < 0.75 ? cv::Scalar(40, 190 + 40 * u(rng_), 245)  // yellow
                               : cv::Scalar(40, 70 + 30 * u(rng_), 150);  // brown
            l.phase = u(rng_) * 6.283;
            l.freq = 2.0 + 3.0 * u(rng_);  // leaves flutter at 2-5 Hz
            foliage_.push_back(l);
        }
    }
    cv::Mat at(double t) override {
        cv::Mat f = bg_.clone();
        // Gusts: the whole crown sways at ~0.7 Hz, each leaf flutters on its own.
        double sway = 6 * std::sin(2 * M_PI * 0.7 * t) + 3 * std::sin(2 * M_PI * 1.9 * t + 1);
        for (const auto& l : foliage_) {
            double flutter = 2.5 * std::sin(2 * M_PI * l.freq * t + l.phase);
            cv::Point c(int(l.c.x + sway + flutter), int(l.c.y + 0.5 * flutter));
            cv::ellipse(f, c, l.axes, 30 * std::sin(2 * M_PI * l.freq * t + l.phase), 0, 360, l.col,
                        cv::FILLED);
        }
        // A worker in an orange hi-vis vest walking across at 1.2 m/s.
        int x = int(f.cols * (0.55 + 0.35 * std::fmod(t / 12.0, 1.0)));
        int y = int(f.rows * 0.55), h = f.rows / 4;
        cv::rectangle(f, cv::Rect(x, y, h / 4, h / 2), {20, 110, 250}, cv::FILLED);
        cv::rectangle(f, cv::Rect(x + h / 20, y + h / 2, h / 7, h / 2), {60, 50, 40}, cv::FILLED);
        cv::circle(f, {x + h / 8, y - h / 10}, h / 10, {120, 150, 200}, cv::FILLED);
        // An indicator lamp blinking at 1.5 Hz.
        if (std::fmod(t * 1.5, 1.0) < 0.5)
            cv::circle(f, {f.cols * 9 / 10, f.rows * 8 / 10}, f.rows / 30, {30, 160, 255},
                       cv::FILLED);
        return camera_output(f, quality_, rng_);
    }

  private:
    struct Leaf {
        cv::Point2d c;
        cv::Size axes;
        cv::Scalar col;
        double phase = 0, freq = 1;
    };
    cv::Mat bg_;
    std::mt19937 rng_;
    int quality_;
    std::vector<Leaf> foliage_;
};

// A casino sign at night whose orange star chases through seven states at
// 24 states/s: each ray lights and goes out again within a few frames, as a
// flame's edge flickers, and the lights have a flame's colour; but the
// cycle repeats, which flames never do (the real neon sign clip of the
// evaluation does this; its rays are redrawn here, not copied). Frames are
// rendered at any rate from the state at t.
class ChasingStarSignScene final : public GeneratedScene {
  public:
    ChasingStarSignScene(cv::Size size, unsigned seed, int quality)
        : bg_(cv::Mat(size, CV_8UC3, cv::Scalar(12, 10, 10))), rng_(seed), quality_(quality) {
        // The sign's lit board below the star, and a few street lights.
        const cv::Point c(size.width / 2, size.height / 2);
        cv::ellipse(bg_, c + cv::Point(0, size.height / 5), {size.width / 4, size.height / 9}, 0, 0,
                    360, {235, 240, 245}, cv::FILLED);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        for (int i = 0; i < 12; ++i)
            cv::circle(bg_, {int(u(rng_) * size.width), int(size.height * (0.8 + 0.2 * u(rng_)))},
                       2, {180, 220, 250}, cv::FILLED);
        centre_ = c - cv::Point(0, size.height / 6);
        radius_ = size.height / 7;
    }
    cv::Mat at(double t) override {
        constexpr int kRays = 14, kStates = 7;
        const int state = int(std::floor(t * 24)) % kStates;
        cv::Mat f = bg_.clone(), glow = cv::Mat::zeros(f.size(), f.type());
        for (int ray = 0; ray < kRays; ++ray) {
            // Each ray blinks on-off-on-off-on-on-off, one state later than
            // its neighbour: a chase, and a zig-zag at every lit pixel.
            constexpr unsigned kBlinks = 0b0110101;
            if (((kBlinks >> ((ray + state) % kStates)) & 1u) == 0) continue;
            const double a = 2 * M_PI * ray / kRays;
            const double len = radius_ * (ray % 2 ? 0.6 : 1.0) * (state % 2 ? 1.0 : 0.75);
            const cv::Point tip =
                centre_ + cv::Point(int(len * std::cos(a)), int(len * std::sin(a)));
            cv::line(glow, centre_, tip, {40, 150, 255}, 3, cv::LINE_AA);
        }
        if (state % 3 == 0) cv::circle(glow, centre_, radius_ / 5, {80, 200, 255}, cv::FILLED);
        cv::GaussianBlur(glow, glow, {0, 0}, 1.5);
        f += glow;
        return camera_output(f, quality_, rng_);
    }

  private:
    cv::Mat bg_;
    std::mt19937 rng_;
    int quality_;
    cv::Point centre_;
    int radius_ = 10;
};

}  // namespace gw::test
