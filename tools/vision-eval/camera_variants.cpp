#include "camera_variants.hpp"

#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace gw::eval {

namespace {

using Kind = Variant::Kind;

cv::Mat lut(const cv::Mat& bgr, double (*f)(double, double), double p) {
    cv::Mat table(1, 256, CV_8U);
    for (int i = 0; i < 256; ++i) table.at<uchar>(i) = cv::saturate_cast<uchar>(f(i, p));
    cv::Mat out;
    cv::LUT(bgr, table, out);
    return out;
}

cv::Mat saturation(const cv::Mat& bgr, double factor) {
    // Towards the pixel's own luma (Rec. 601), as a camera's saturation control.
    cv::Mat f, out;
    bgr.convertTo(f, CV_32FC3);
    cv::Mat grey;
    cv::transform(f, grey, cv::Matx13f(0.114f, 0.587f, 0.299f));
    cv::Mat grey3;
    cv::merge(std::vector<cv::Mat>{grey, grey, grey}, grey3);
    cv::Mat mixed = grey3 + (f - grey3) * factor;
    mixed.convertTo(out, CV_8UC3);
    return out;
}

cv::Mat white_balance(const cv::Mat& bgr, double red_gain, double blue_gain) {
    cv::Mat out;
    cv::transform(bgr, out, cv::Matx33f(float(blue_gain), 0, 0, 0, 1, 0, 0, 0, float(red_gain)));
    return out;
}

cv::Mat jpeg(const cv::Mat& bgr, int quality) {
    std::vector<uchar> buf;
    cv::imencode(".jpg", bgr, buf, {cv::IMWRITE_JPEG_QUALITY, quality});
    return cv::imdecode(buf, cv::IMREAD_COLOR);
}

class VideoSource final : public FrameSource {
  public:
    VideoSource(std::string path, double min_s) : path_(std::move(path)), min_s_(min_s) {
        cap_.open(path_);
        fps_ = cap_.get(cv::CAP_PROP_FPS);
        if (!(fps_ > 0 && fps_ < 1000)) fps_ = 10;
    }
    double fps() const override { return fps_; }
    bool next(cv::Mat& bgr) override {
        if (cap_.read(bgr)) return ++frames_, true;
        if (frames_ == 0 || frames_ / fps_ >= min_s_) return false;
        cap_.open(path_);  // play it again: the cut is one more sudden change
        if (!cap_.read(bgr)) return false;
        return ++frames_, true;
    }

  private:
    std::string path_;
    double min_s_;
    cv::VideoCapture cap_;
    double fps_ = 10;
    long frames_ = 0;
};

}  // namespace

std::vector<Variant> standard_variants() {
    return {
        {"original", Kind::original},
        {"gamma 0.6", Kind::gamma, 0.6},
        {"gamma 1.6", Kind::gamma, 1.6},
        {"brightness -40", Kind::brightness, -40},
        {"brightness +40", Kind::brightness, 40},
        {"saturation x0.6", Kind::saturation, 0.6},
        {"white balance warm", Kind::white_balance, 1.2, 0.8},
        {"white balance cold", Kind::white_balance, 0.8, 1.2},
        {"480x272", Kind::size, 480, 272},
        {"352x288", Kind::size, 352, 288},
        {"JPEG q30", Kind::jpeg, 30},
        {"25 fps", Kind::fps, 25},
        {"30 fps", Kind::fps, 30},
        {"25 fps repeats", Kind::fps, 25, 0, true},
        {"30 fps repeats", Kind::fps, 30, 0, true},
    };
}

cv::Mat apply(const Variant& v, const cv::Mat& bgr) {
    switch (v.kind) {
        case Kind::gamma:
            return lut(
                bgr, [](double x, double g) { return 255.0 * std::pow(x / 255.0, g); }, v.a);
        case Kind::brightness:
            return lut(
                bgr, [](double x, double d) { return x + d; }, v.a);
        case Kind::saturation:
            return saturation(bgr, v.a);
        case Kind::white_balance:
            return white_balance(bgr, v.a, v.b);
        case Kind::size: {
            cv::Size to(int(v.a), int(v.b));
            bool shrink = to.width <= bgr.cols && to.height <= bgr.rows;
            cv::Mat out;
            cv::resize(bgr, out, to, 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
            return out;
        }
        case Kind::jpeg:
            return jpeg(bgr, int(v.a));
        case Kind::original:
        case Kind::fps:
            break;
    }
    return bgr;
}

std::unique_ptr<FrameSource> open_video(const std::string& path, double min_s) {
    return std::make_unique<VideoSource>(path, min_s);
}

Resampler::Resampler(FrameSource& source, double fps, bool repeat)
    : source_(source), fps_(fps > 0 ? fps : source.fps()), repeat_(repeat) {}

bool Resampler::load_until(long index) {
    while (loaded_ < index) {
        cv::Mat f;
        if (!source_.next(f)) return false;
        prev_ = cur_;
        cur_ = f;
        ++loaded_;
    }
    return true;
}

bool Resampler::next(cv::Mat& bgr, int64_t& t_ms) {
    double t = k_ / fps_;
    double s = t * source_.fps();
    auto i0 = static_cast<long>(std::floor(s + 1e-6));
    double w = s - i0;
    bool blend = !repeat_ && fps_ > source_.fps() && w > 1e-6;
    if (!load_until(blend ? i0 + 1 : i0)) return false;
    if (blend)
        cv::addWeighted(prev_, 1 - w, cur_, w, 0, bgr);
    else
        bgr = cur_.clone();
    t_ms = std::llround(t * 1000);
    ++k_;
    return true;
}

}  // namespace gw::eval
