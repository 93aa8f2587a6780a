#include "fire/video_fire_detector.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "vision_util.hpp"

namespace gw::detectors {

namespace {
constexpr double kFlickerPixel = 0.12;  // toggles per frame (EMA) that make a pixel "flickering"
constexpr double kPresentPixel = 0.15;  // flame colour this often: the pixel is "in place"
constexpr int64_t kRateHoldMs = 5000;   // a frame rate this long below min_fps is reported
constexpr double kRateGapCapS = 2.0;    // longest frame gap the frame-rate average takes in
constexpr double kRateTolerance = 0.9;  // camera jitter: 10 % below min_fps still counts as enough
// The repeat test (repeat_s): lags shorter than this are left out, since a
// flame seen by a fast camera still looks like itself a few frames on;
// flames decorrelate within about 80 ms.
constexpr int64_t kMinRepeatLagMs = 80;
constexpr int64_t kShortRepeatLagMs = 250;   // the reference: change over lags up to this
constexpr size_t kMaxLooks = 64;             // frames kept for it, whatever the camera rate
constexpr double kRepeatMinChange = 4;       // grey levels: below this a region barely changes
constexpr double kRepeatRamp = 0.2;          // repeat ratios within repeat_max +- 0.1 score partly
constexpr double kCameraRepeatChange = 0.1;  // mean grey change of a picture sent twice
// After a start (or a new frame size) the per-pixel averages have seen
// less than their window: their zero start would read as "nothing
// flickered before", and a flame in view from the first frame took seconds
// to reach its rate (fire-outdoor at gamma 0.6: 3.5 s). The averages are
// read against the weight the frames seen so far carry, plus this share of
// the unseen rest counted as still: a rate from a few frames alone is noise
// (one zig-zag reads as 1.0) and raised alarms on fluttering foliage and
// the neon sign in the first second. 0.15-0.3 gave the same matrix cells.
constexpr double kUnseenAsStill = 0.3;
// Flicker "in place": after the swing up and back down (or down and up) the
// brightness is near where it started, |x[t] - x[t-2]| < k * the smaller
// swing. Textures moving past at a low frame rate zig-zag between unrelated
// values instead.
cv::Mat returns_in_place(const cv::Mat& diff, const cv::Mat& prev_diff, double k) {
    cv::Mat back = cv::abs(diff + prev_diff), swing;
    cv::min(cv::Mat(cv::abs(diff)), cv::Mat(cv::abs(prev_diff)), swing);
    cv::Mat back32, swing32;
    back.convertTo(back32, CV_32F);
    swing.convertTo(swing32, CV_32F, k);
    return back32 < swing32;
}

}  // namespace

VideoFireDetector::VideoFireDetector(std::string id, VideoFireSettings s, EventIdSource& ids)
    : id_(std::move(id)),
      s_(s),
      rules_{s.red_min, s.sat_min, s.cbcr_min},
      tracker_(
          {id_, "fire", "video_flame", "score", 0, static_cast<int64_t>(s.clear_hold_s * 1000)},
          ids),
      rate_tracker_({id_, "fire", "frame_rate_low", "fps", kRateHoldMs, kRateHoldMs}, ids) {
    for (size_t i = 0; i + 3 < s_.ignore.size(); i += 4)
        ignore_.emplace_back(int(std::lround(s_.ignore[i])), int(std::lround(s_.ignore[i + 1])),
                             int(std::lround(s_.ignore[i + 2])),
                             int(std::lround(s_.ignore[i + 3])));
}

// Nothing in an ignored zone is flame-coloured, so it neither flickers,
// nor joins a region, nor scores. Zones are cut to the frame (a zone for
// a larger stream setting covers what it can).
void VideoFireDetector::mask_ignored(cv::Mat& colour) {
    if (ignore_.empty()) return;
    if (ignored_.size() != colour.size() || ignored_full_ != full_) {
        ignored_ = cv::Mat::zeros(colour.size(), CV_8U);
        const cv::Rect frame({0, 0}, ignored_.size());
        for (const cv::Rect& r : ignore_) {
            const cv::Point from(int(std::floor(r.x * scale_)), int(std::floor(r.y * scale_)));
            const cv::Point to(int(std::ceil(r.br().x * scale_)),
                               int(std::ceil(r.br().y * scale_)));
            ignored_(cv::Rect(from, to) & frame).setTo(255);
        }
        ignored_full_ = full_;
    }
    colour.setTo(0, ignored_);
}

// A camera streaming faster than its sensor sends each picture more than
// once. A repeat says nothing new, and counting it would break every
// zig-zag (flicker) in two, so repeats within 1.5 frame intervals at
// min_fps are skipped; a picture that stays longer is a still scene.
bool VideoFireDetector::is_repeat(const cv::Mat& grey, int64_t t_ms) const {
    if (last_new_t_ < 0 || prev_grey_.size() != grey.size()) return false;
    if (double(t_ms - last_new_t_) > 1500.0 / s_.min_fps) return false;
    return cv::norm(grey, prev_grey_, cv::NORM_L1) / double(grey.total()) < kCameraRepeatChange;
}

void VideoFireDetector::update_statistics(const cv::Mat& small, const cv::Mat& grey, double dt_s) {
    flame_colour_mask(small, rules_, colour_);
    mask_ignored(colour_);
    grey_ = grey;  // on_frame's own Mat: no copy needed
    // After a gap longer than the averages' window (a reconnect, a stalled
    // stream) they tell of a scene that may have changed: they start again,
    // as at the first frame, so a camera that comes back on a fire sees it
    // as one that starts on it. (A dropped frame or two is not such a gap.)
    const bool restart = dt_s > s_.flicker_s;
    if (prev_grey_.empty() || prev_grey_.size() != grey_.size() || restart) {
        prev_grey_ = grey_.clone();
        prev_colour_ = colour_.clone();
        presence_ = cv::Mat::zeros(grey_.size(), CV_32F);
        flicker_ = cv::Mat::zeros(grey_.size(), CV_32F);
        activity_ = cv::Mat::zeros(grey_.size(), CV_32F);
        seen_ = 0;
        looks_.clear();                           // the repeat test's memory is of the scene before
        dt_s = std::min(dt_s, 1.0 / s_.min_fps);  // the first frame's weight, not the gap's
    }
    cv::Mat diff;
    cv::subtract(grey_, prev_grey_, diff, cv::noArray(), CV_16S);
    moving_ = cv::abs(diff) > s_.motion_min;
    // Flicker (Toreyin's cue, as a zig-zag): brightness goes up then at once
    // down (or down then up) on consecutive frames. Flames do this at random;
    // blinking lamps and signs switch and then hold, moving edges ramp one way.
    if (prev_diff_.empty() || prev_diff_.size() != diff.size())
        prev_diff_ = cv::Mat::zeros(diff.size(), CV_16S);
    cv::Mat product;
    cv::multiply(diff, prev_diff_, product, 1, CV_32F);
    cv::Mat toggled =
        (product < 0) & moving_ & (cv::abs(prev_diff_) > s_.motion_min) & (colour_ | prev_colour_);
    if (s_.flicker_in_place > 0) toggled &= returns_in_place(diff, prev_diff_, s_.flicker_in_place);
    // Across a gap (frames slower than min_fps) consecutive frames are not
    // consecutive moments of a flicker: such a zig-zag says nothing.
    if (dt_s > 1.5 / s_.min_fps) toggled.setTo(0);
    diff.copyTo(prev_diff_);
    toggled_ = colour_ != prev_colour_;
    // Time-based EMA weight: the statistics span flicker_s at any frame rate.
    double a = 1.0 - std::exp(-dt_s / s_.flicker_s);
    seen_ = seen_ * (1 - a) + a;
    cv::Mat c32, t32;
    colour_.convertTo(c32, CV_32F, 1.0 / 255);
    toggled.convertTo(t32, CV_32F, 1.0 / 255);
    cv::addWeighted(presence_, 1 - a, c32, a, 0, presence_);
    cv::addWeighted(flicker_, 1 - a, t32, a, 0, flicker_);
    if (s_.active_support > 0) {
        cv::Mat m32;
        cv::Mat(moving_ & (colour_ | prev_colour_)).convertTo(m32, CV_32F, 1.0 / 255);
        cv::addWeighted(activity_, 1 - a, m32, a, 0, activity_);
    }
    grey_.copyTo(prev_grey_);
    colour_.copyTo(prev_colour_);
}

// Keeps the grey frames of the last repeat_s for the repeat test.
void VideoFireDetector::remember(int64_t t_ms) {
    if (s_.repeat_s <= 0) return;
    if (!looks_.empty() && looks_.front().second.size() != grey_.size()) looks_.clear();
    const auto span = static_cast<int64_t>(s_.repeat_s * 1000);
    while (!looks_.empty() && (t_ms - looks_.back().first > span || looks_.size() >= kMaxLooks))
        looks_.pop_back();
    looks_.emplace_front(t_ms, grey_.clone());
}

// How closely the region in `box` returns to an earlier look: its best
// match over the remembered frames divided by its change over short lags
// (80-250 ms). About 0.8 for flames, which never come back (also while
// they flare up and settle: the reference is recent); near 0 for a light
// cycling through a few states, which differs from the frames just before
// but matches one a period back.
double VideoFireDetector::repeat_ratio(const cv::Rect& box) const {
    std::vector<double> recent;
    double best = -1;
    for (const auto& [t, g] : looks_) {
        const int64_t lag = last_new_t_ - t;
        if (lag < kMinRepeatLagMs) continue;
        const double d = cv::norm(grey_(box), g(box), cv::NORM_L1) / std::max(1, box.area());
        best = best < 0 ? d : std::min(best, d);
        if (lag <= kShortRepeatLagMs) recent.push_back(d);
    }
    if (recent.empty() || looks_.size() < 3) return 1;
    const auto mid = recent.begin() + recent.size() / 2;
    std::nth_element(recent.begin(), mid, recent.end());
    // A patch that hardly changes (a small flame in a large still box)
    // cannot be told cycling from burning: unknown, so no penalty.
    if (*mid < kRepeatMinChange) return 1;
    return best / *mid;
}

// One frame's ratio can dip by chance (a flame resembling an earlier look;
// few lags at 10 fps): a region counts as cycling only when it was in the
// frame before too. The ratio is painted into `now` for the next frame.
double VideoFireDetector::repeat_of(const cv::Rect& box, const cv::Mat& in, cv::Mat& now) const {
    const double ratio = repeat_ratio(box);
    now(box).setTo(ratio, in);
    if (last_repeat_.size() != now.size()) return ratio;
    return std::max(ratio, cv::mean(last_repeat_(box), in)[0]);
}

void VideoFireDetector::find_regions(const cv::Mat& small) {
    regions_.clear();
    flame_mask_ = cv::Mat::zeros(small.size(), CV_8U);
    // Region support: pixels that are flame-coloured now or often lately.
    // The averages' full weight so far (see kUnseenAsStill): thresholds on
    // them scale with it.
    const double w = seen_ + kUnseenAsStill * (1 - seen_);
    cv::Mat support = colour_ | (presence_ > kPresentPixel * w);
    if (s_.active_support > 0) {
        // Flame colour that moves, closed over the still core of a flame.
        support &= activity_ > s_.active_support * w;
        cv::morphologyEx(support, support, cv::MORPH_CLOSE, cv::Mat(), {-1, -1}, 2);
        support &= colour_ | (presence_ > kPresentPixel * w);
    }
    cv::dilate(support, support, cv::Mat(), {-1, -1}, 1);
    cv::Mat labels, stats, centroids;
    int n = cv::connectedComponentsWithStats(support, labels, stats, centroids, 8, CV_32S);
    double min_area = std::max(4.0, s_.min_area_frac * small.total());
    cv::Mat flick_px = (flicker_ > kFlickerPixel * w) & (presence_ > kPresentPixel * w);
    cv::Mat repeat_now(small.size(), CV_32F, cv::Scalar(1.0));
    for (int i = 1; i < n; ++i) {
        int area = stats.at<int>(i, cv::CC_STAT_AREA);
        if (area < min_area) continue;
        Region r;
        r.box = cv::Rect(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                         stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
        r.area = area;
        cv::Mat in = labels(r.box) == i;
        double px = std::max(1, cv::countNonZero(in));
        r.flicker = cv::countNonZero(flick_px(r.box) & in) / px;
        r.motion = cv::countNonZero(moving_(r.box) & in & colour_(r.box)) / px;
        r.sync = cv::countNonZero(toggled_(r.box) & in) / px;
        // Flame hue: orange to yellow has G well above B; red lamps/signs do not.
        cv::Scalar m = cv::mean(small(r.box), in & colour_(r.box));
        r.hue = m[2] > 0 ? (m[1] - m[0]) / m[2] : 0;
        double flick = std::min(1.0, r.flicker / std::max(1e-6, s_.flicker_min));
        double motion = std::min(1.0, r.motion / 0.05);
        double hue = std::clamp((r.hue - 0.15) / 0.25, 0.0, 1.0);
        // Flicker is the decisive cue: without it (lamps, signs, sunsets) the
        // score stays below 0.5 whatever the colour and motion.
        r.score = flick * (0.5 + 0.25 * motion + 0.25 * hue) * (hue > 0 ? 1.0 : 0.5);
        if (r.score > 0 && s_.repeat_s > 0) {
            r.repeat = repeat_of(r.box, in, repeat_now);
            r.score *= std::clamp((r.repeat - s_.repeat_max) / kRepeatRamp + 0.5, 0.0, 1.0);
        }
        if (r.score >= s_.score_min) flame_mask_(r.box).setTo(255, in & colour_(r.box));
        regions_.push_back(r);
    }
    last_repeat_ = repeat_now;
}

Observation VideoFireDetector::observe(int64_t t_ms) {
    double area = 0;
    for (const auto& r : regions_)
        if (r.score >= s_.score_min) area += r.area;
    window_.emplace_back(t_ms, area / std::max<size_t>(1, colour_.total()));
    auto span = static_cast<int64_t>(s_.persist_s * 1000);
    while (window_.size() > 1 && t_ms - window_.front().first > span) window_.pop_front();
    size_t seen = 0;
    double peak = 0;
    for (const auto& [t, a] : window_) {
        if (a > 0) ++seen;
        peak = std::max(peak, a);
    }
    Observation o;
    o.value = result_.score;
    bool full_window = t_ms - window_.front().first >= span * 0.8;
    bool persists = full_window && double(seen) / window_.size() >= s_.persist_frac;
    if (persists || (tracker_.active() && seen > 0)) {
        if (!tracker_.active()) raise_area_ = peak;
        double growth = raise_area_ > 0 ? peak / raise_area_ : 1;
        o.severity = growth >= s_.growth_critical ? Severity::critical : Severity::alarm;
        char msg[120];
        std::snprintf(msg, sizeof msg, "flames in view: %.2f%% of the frame, score %.2f",
                      100 * peak, result_.score);
        o.message = msg;
        o.details = {{"area_frac", peak}, {"growth", growth}, {"score", result_.score}};
    } else {
        o.message = "no flames";
    }
    return o;
}

// A camera that delivers frames slower than min_fps leaves flames unseen
// (flicker is not scored across gaps): the center must know this camera is
// blind to fire rather than believe it is quiet.
Observation VideoFireDetector::observe_rate(double dt_s) {
    // Capped: one long gap (a clock step, a stream reconnect) must not read
    // as seconds of slow frames once frames flow again.
    dt_s = std::min(dt_s, kRateGapCapS);
    mean_dt_s_ = mean_dt_s_ <= 0 ? dt_s : 0.8 * mean_dt_s_ + 0.2 * dt_s;
    Observation o;
    o.value = std::round(10 / mean_dt_s_) / 10;
    if (o.value < s_.min_fps * kRateTolerance) {
        o.severity = Severity::warning;
        char msg[120];
        std::snprintf(msg, sizeof msg, "frames at %.1f/s, below the %.0f/s flame analysis needs",
                      o.value, s_.min_fps);
        o.message = msg;
    } else {
        o.message = "frame rate ok";
    }
    return o;
}

double VideoFireDetector::seconds_since(int64_t before_ms, int64_t t_ms) const {
    return before_ms < 0 ? 1.0 / s_.min_fps : std::max(1.0, double(t_ms - before_ms)) / 1000.0;
}

const FrameResult& VideoFireDetector::on_frame(const cv::Mat& bgr, int64_t t_ms,
                                               std::vector<Event>& events,
                                               std::vector<Evidence>& evidence) {
    result_ = FrameResult{};
    result_.t_ms = t_ms;
    if (bgr.empty() || bgr.type() != CV_8UC3) return result_;
    full_ = bgr.size();
    cv::Mat small;
    scale_ = scale_to_width(bgr, s_.process_width, small);
    const double dt = seconds_since(last_t_, t_ms);  // the camera's rate
    last_t_ = t_ms;
    cv::Mat grey;
    cv::cvtColor(small, grey, cv::COLOR_BGR2GRAY);
    if (!is_repeat(grey, t_ms)) {  // a repeat leaves the regions as they were
        const double dt_new = seconds_since(last_new_t_, t_ms);
        last_new_t_ = t_ms;
        update_statistics(small, grey, dt_new);
        find_regions(small);
        remember(t_ms);
    }
    result_.ready = true;
    result_.details = nlohmann::json::array();
    for (const auto& r : regions_) {
        result_.details.push_back({{"x", int(r.box.x / scale_)},
                                   {"y", int(r.box.y / scale_)},
                                   {"w", int(r.box.width / scale_)},
                                   {"h", int(r.box.height / scale_)},
                                   {"flicker", std::round(r.flicker * 100) / 100},
                                   {"motion", std::round(r.motion * 100) / 100},
                                   {"hue", std::round(r.hue * 100) / 100},
                                   {"sync", std::round(r.sync * 100) / 100},
                                   {"repeat", std::round(r.repeat * 100) / 100},
                                   {"score", std::round(r.score * 100) / 100}});
        result_.score = std::max(result_.score, r.score);
        if (r.score < s_.score_min) continue;
        result_.fire = true;
        result_.boxes.emplace_back(int(r.box.x / scale_), int(r.box.y / scale_),
                                   int(r.box.width / scale_), int(r.box.height / scale_));
    }
    if (auto r = rate_tracker_.observe(t_ms, observe_rate(dt))) events.push_back(std::move(*r));
    auto e = tracker_.observe(t_ms, observe(t_ms));
    if (!e) return result_;
    if (e->state == EventState::raise) {
        cv::Mat shot = bgr.clone();
        draw(shot);
        attach_evidence(*e, shot, evidence_max_bytes(), evidence);
    }
    events.push_back(std::move(*e));
    return result_;
}

void VideoFireDetector::draw(cv::Mat& bgr) const {
    if (!flame_mask_.empty() && bgr.size() == full_) {
        cv::Mat big;
        cv::resize(flame_mask_, big, bgr.size(), 0, 0, cv::INTER_NEAREST);
        cv::Mat tint(bgr.size(), bgr.type(), cv::Scalar(255, 0, 255));
        cv::Mat blend;
        cv::addWeighted(bgr, 0.5, tint, 0.5, 0, blend);
        blend.copyTo(bgr, big);
    }
    for (const auto& b : result_.boxes) cv::rectangle(bgr, b, {0, 0, 255}, 2);
    for (const auto& z : ignore_) cv::rectangle(bgr, z, {160, 160, 160}, 1);  // not looked at
    char text[96];
    std::snprintf(text, sizeof text, "%s fire %s score %.2f", id_.c_str(),
                  result_.fire ? "yes" : "no", result_.score);
    cv::putText(bgr, text, {8, 22}, cv::FONT_HERSHEY_SIMPLEX, 0.6, {0, 0, 0}, 3);
    cv::putText(bgr, text, {8, 22}, cv::FONT_HERSHEY_SIMPLEX, 0.6, {255, 255, 255}, 1);
}

}  // namespace gw::detectors
