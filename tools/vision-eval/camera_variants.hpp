#pragma once
// What different cameras and sites make of the same scene, for the video
// fire robustness matrix (tools/eval-vision): tone curve, exposure,
// saturation, white balance, resolution, compression and frame rate.
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

namespace gw::eval {

struct Variant {
    enum class Kind { original, gamma, brightness, saturation, white_balance, size, jpeg, fps };
    std::string name;
    Kind kind = Kind::original;
    double a = 0, b = 0;  // gamma; offset; factor; R and B gains; width and height; quality; fps
    bool repeat = false;  // fps: repeat the last frame instead of blending neighbours
};

// The matrix's columns: the original and each single change a camera makes.
std::vector<Variant> standard_variants();

// The per-frame part of a variant (everything but the frame rate).
cv::Mat apply(const Variant& v, const cv::Mat& bgr);

// A source of frames with their times: a video file or a generated scene.
class FrameSource {
  public:
    virtual ~FrameSource() = default;
    virtual double fps() const = 0;
    // The next frame (false at the end).
    virtual bool next(cv::Mat& bgr) = 0;
};

// A video file, played again from the start until it has run `min_s`
// seconds (short distractor clips get as much exposure as long ones).
std::unique_ptr<FrameSource> open_video(const std::string& path, double min_s);

// Frames of `source` as a camera at `fps` would deliver them, with their
// times in ms: slower cameras drop frames; faster ones see in-between
// moments (blend of the neighbouring frames) or, with `repeat`, the last
// frame again (a camera that streams faster than its sensor reads).
class Resampler {
  public:
    Resampler(FrameSource& source, double fps, bool repeat);
    bool next(cv::Mat& bgr, int64_t& t_ms);
    double fps() const { return fps_; }

  private:
    bool load_until(long index);

    FrameSource& source_;
    double fps_;
    bool repeat_;
    long k_ = 0;        // output frame number
    long loaded_ = -1;  // index of cur_ in the source
    cv::Mat prev_, cur_;
};

}  // namespace gw::eval
