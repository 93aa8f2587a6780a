#include "crowd/crowd_detector.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "vision_util.hpp"

namespace gw::detectors {

namespace {
constexpr int64_t kWarmupMs = 2000;  // background model needs a moment before counting
constexpr long kWarmupFrames = 10;
// A gap this long (or this many frame intervals) between frames is a
// reconnect: the camera may have moved, the light changed, people come and
// gone, so the background is learnt again.
constexpr int64_t kRestartGapMs = 1000;
constexpr double kRestartGapFrames = 5;
// The spacing of the slowest camera the config allows (0.1 frames/s).
constexpr double kSlowestSpacingMs = 10000;
// Foreground jumping from below kCutBefore to above kCutAfter of the frame
// in one frame is a new view (a reconnect to a moved camera, lights
// switched): people do not appear that fast.
constexpr double kCutBefore = 0.3, kCutAfter = 0.6;
constexpr int kHogPerFrame = 2;  // bounded HOG work: blobs examined per frame
// Mean channel difference below which a picture has no colour: an IR
// (night) picture is grey, give or take its compression.
constexpr double kColourlessSpread = 2.0;

bool has_colour(const cv::Mat& bgr) {
    cv::Mat ch[3], d;
    cv::split(bgr, ch);
    cv::absdiff(ch[0], ch[1], d);
    double spread = cv::mean(d)[0];
    cv::absdiff(ch[1], ch[2], d);
    spread += cv::mean(d)[0];
    return spread > kColourlessSpread;
}

const std::vector<Severity> kLevels = {Severity::notice, Severity::warning, Severity::alarm,
                                       Severity::critical};
}  // namespace

CrowdDetector::CrowdDetector(std::string id, CrowdSettings s, GroundRegion region,
                             EventIdSource& ids)
    : id_(std::move(id)),
      s_(std::move(s)),
      region_(std::move(region)),
      model_(s_.person_height_px[0], s_.person_height_px[1], s_.person_fill),
      density_(
          {id_, "crowd", "crowd_density", region_.area_m2() > 0 ? "persons/m2" : "persons",
           static_cast<int64_t>(s_.hold_s * 1000), static_cast<int64_t>(s_.clear_hold_s * 1000)},
          ids),
      rise_({id_, "crowd", "crowd_rise", "persons/m2/min", static_cast<int64_t>(s_.hold_s * 1000),
             static_cast<int64_t>(s_.clear_hold_s * 1000)},
            ids),
      bg_(cv::createBackgroundSubtractorMOG2(500, 16, true)),
      open_kernel_(cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3})),
      close_kernel_(cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5})) {
    if (region_.area_m2() > 0)
        bands_.emplace(s_.density_levels, kLevels, s_.level_margin,
                       static_cast<int64_t>(s_.hold_s * 1000));
    if (s_.hog) hog_.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
}

void CrowdDetector::foreground(const cv::Mat& small, int64_t t_ms) {
    // Learning rate from real frame spacing, so the model's memory is learn_s
    // whatever the camera's frame rate; fast at first to bootstrap.
    double dt = last_t_ < 0 ? 0.1 : std::max(1.0, double(t_ms - last_t_)) / 1000.0;
    double rate = std::max(std::min(1.0, dt / s_.learn_s), 1.0 / double(frames_ + 1));
    // MOG2 takes a pixel 0.5-1x as bright as the background and of its
    // colour for a shadow. In a picture without colour (IR at night) every
    // person darker than the ground passes that test, and people vanished;
    // at night there is no sun to cast shadows either.
    bg_->setDetectShadows(has_colour(small));
    cv::Mat raw;
    bg_->apply(small, raw, rate);
    cv::threshold(raw, fg_, 200, 255, cv::THRESH_BINARY);  // 127 = shadow: not a person
    cv::morphologyEx(fg_, fg_, cv::MORPH_OPEN, open_kernel_);
    cv::morphologyEx(fg_, fg_, cv::MORPH_CLOSE, close_kernel_);
}

std::vector<CrowdDetector::Blob> CrowdDetector::blobs(const cv::Mat& region_mask) {
    cv::Mat fg;
    cv::bitwise_and(fg_, region_mask, fg);
    cv::Mat labels, stats, centroids;
    int n = cv::connectedComponentsWithStats(fg, labels, stats, centroids, 8, CV_32S);
    std::vector<Blob> out;
    double min_area = s_.min_blob_px * scale_ * scale_;
    for (int i = 1; i < n; ++i) {
        int area = stats.at<int>(i, cv::CC_STAT_AREA);
        if (area < min_area) continue;
        cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                     stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
        out.push_back({box, area, 0});
    }
    return out;
}

int CrowdDetector::hog_people(const cv::Mat& small, const cv::Rect& box, double expected_h) {
    // HOG's people window is 128 px tall: upscale the blob's neighbourhood
    // so that a person shorter than hog_upscale_below_px (default the
    // window) is a bit taller than it.
    double h = std::max(expected_h, double(box.height));
    double up = std::max(1.0, 1.15 * s_.hog_upscale_below_px / std::max(h, 1.0));
    up = std::min(up, 6.0);
    int pad_x = box.width / 2 + 4, pad_y = box.height / 4 + 4;
    cv::Rect roi = (box + cv::Size(2 * pad_x, 2 * pad_y)) - cv::Point(pad_x, pad_y);
    roi &= cv::Rect(0, 0, small.cols, small.rows);
    cv::Mat crop;
    cv::resize(small(roi), crop, cv::Size(), up, up, cv::INTER_LINEAR);
    if (crop.cols < 64 || crop.rows < 128) return -1;
    std::vector<cv::Rect> found;
    std::vector<double> weights;
    hog_.detectMultiScale(crop, found, weights, 0.3, cv::Size(8, 8), cv::Size(0, 0), 1.1, 2);
    int people = 0;
    for (size_t i = 0; i < found.size(); ++i) {
        if (weights[i] < 0.5) continue;
        ++people;
        // The detection window is ~1.15x the person: record the person's size per row.
        double ph = found[i].height / up / 1.15 / scale_;
        double feet = (roi.y + (found[i].y + found[i].height * 0.93) / up) / scale_;
        model_.add(feet, ph, model_.fill() * ph * ph, 3.0);
    }
    return people;
}

void CrowdDetector::learn_from(const Blob& b, int border) {
    // Upright, not cut by the frame edge, person-shaped: most likely one person.
    double aspect = double(b.box.height) / std::max(1, b.box.width);
    bool inside = b.box.x > border && b.box.y > border && b.box.br().x < fg_.cols - border &&
                  b.box.br().y < fg_.rows - border;
    if (!inside || aspect < 1.8 || aspect > 4.0) return;
    double h = b.box.height / scale_;
    model_.add(b.box.br().y / scale_, h, b.area / (scale_ * scale_), 1.0);
}

double CrowdDetector::count_sparse(std::vector<Blob>& found, const cv::Mat& small) {
    for (const auto& b : found) learn_from(b, 2);
    double total = 0;
    size_t hog_budget = s_.hog ? kHogPerFrame : 0;
    // Largest blobs first for HOG: they are the ones that may hold groups.
    std::vector<size_t> order(found.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return found[a].area > found[b].area; });
    for (size_t k = 0; k < order.size(); ++k) {
        auto& b = found[order[k]];
        double feet = b.box.br().y / scale_;
        double unit = model_.area_at(feet) * scale_ * scale_;
        double est;
        double exp_h = model_.height_at(feet) * scale_;
        if (unit > 0) {
            est = b.area / unit;
            // Occlusion makes groups smaller than the sum of their members;
            // a blob much smaller than one person is a part (arm, bag) or noise.
            est = est < 0.35 ? 0 : std::max(1.0, std::floor(est + 0.4));
            // People one behind the other: the blob is as tall as several.
            if (b.box.height > 1.5 * exp_h)
                est = std::max(est, std::floor(b.box.height / exp_h + 0.3));
            // Wider than tall and much taller than a person there: a vehicle.
            if (b.box.width > b.box.height && b.box.height > 1.8 * exp_h) est = 0;
        } else {
            double h = b.box.height;
            est = std::max(1.0, std::floor(b.area / (s_.person_fill * h * h) + 0.4));
        }
        if (hog_budget > 0 && est >= 2 && (k + hog_next_) % 2 == 0) {
            --hog_budget;
            int people = hog_people(small, b.box, exp_h);
            if (people > est) est = people;
        }
        b.people = est;
        total += est;
    }
    ++hog_next_;
    return total;
}

void CrowdDetector::smooth(int64_t t_ms) {
    double count = result_.count;
    if (!smoothed_ || s_.smooth_s <= 0) {
        smoothed_ = count;
    } else {
        double dt = std::max(0.0, double(t_ms - smoothed_t_) / 1000.0);
        double a = 1.0 - std::exp(-dt / s_.smooth_s);
        *smoothed_ += a * (count - *smoothed_);
    }
    smoothed_t_ = t_ms;
    result_.density = region_.area_m2() > 0 ? *smoothed_ / region_.area_m2() : 0;
}

std::optional<Severity> CrowdDetector::occupancy_severity() const {
    if (s_.occupancy_limit <= 0 || !smoothed_) return std::nullopt;
    if (*smoothed_ >= s_.occupancy_limit) return Severity::alarm;
    if (*smoothed_ >= s_.occupancy_warn_frac * s_.occupancy_limit) return Severity::warning;
    return std::nullopt;
}

Observation CrowdDetector::density_observation(int64_t t_ms) {
    Observation o;
    double people = smoothed_.value_or(0);
    o.value = region_.area_m2() > 0 ? result_.density : people;
    if (bands_) o.severity = bands_->classify(result_.density, density_.active(), t_ms);
    auto occ = occupancy_severity();
    if (occ && (!o.severity || *occ > *o.severity)) o.severity = occ;
    char msg[160];
    if (region_.area_m2() > 0)
        std::snprintf(msg, sizeof msg, "%.0f people, %.2f persons/m2 on %.0f m2", people,
                      result_.density, region_.area_m2());
    else
        std::snprintf(msg, sizeof msg, "%.0f people in view", people);
    o.message = msg;
    o.details = {{"count", std::round(people * 10) / 10},
                 {"density", result_.density},
                 {"area_m2", region_.area_m2()},
                 {"mode", result_.dense_mode ? "occupancy" : "blobs"}};
    if (s_.occupancy_limit > 0) o.details["occupancy_limit"] = s_.occupancy_limit;
    return o;
}

Observation CrowdDetector::rise_observation(int64_t t_ms) {
    Observation o;
    if (region_.area_m2() <= 0) return o;
    history_.emplace_back(t_ms, result_.density);
    int64_t window = static_cast<int64_t>(s_.rise_window_s * 1000);
    while (history_.size() > 2 && t_ms - history_[1].first >= window) history_.pop_front();
    double span_min = double(t_ms - history_.front().first) / 60000.0;
    // Judge the rise only over a reasonably full window: short spans amplify noise.
    if (span_min * 60000.0 < window * 0.5) return o;
    double rate = (result_.density - history_.front().second) / span_min;
    o.value = rate;
    if (rate >= s_.rise_per_min && result_.density >= s_.density_levels[0])
        o.severity = Severity::warning;
    char msg[120];
    std::snprintf(msg, sizeof msg, "density rising %.2f persons/m2 per minute (now %.2f)", rate,
                  result_.density);
    o.message = msg;
    o.details = {{"rate_per_min", rate}, {"density", result_.density}};
    return o;
}

void CrowdDetector::emit(std::optional<Event> e, const cv::Mat& bgr, std::vector<Event>& events,
                         std::vector<Evidence>& evidence) {
    if (!e) return;
    if (e->state == EventState::raise) {
        cv::Mat shot = bgr.clone();
        draw(shot);
        attach_evidence(*e, shot, evidence_max_bytes(), evidence);
    }
    events.push_back(std::move(*e));
}

void CrowdDetector::restart() {
    bg_->clear();
    frames_ = 0;
    first_t_ = -1;
    last_t_ = -1;
    mean_dt_ms_ = 0;
    fg_share_ = 0;
    smoothed_.reset();
    history_.clear();
}

// A gap is judged against the spacing learnt since the start; before one
// is known, against the slowest camera's (0.1 frames/s): judged against
// none, a camera slower than 1 frame/s was restarted at every frame and
// never counted.
bool CrowdDetector::is_gap(int64_t t_ms) {
    if (last_t_ < 0) return false;
    double dt = double(t_ms - last_t_);
    const double spacing = mean_dt_ms_ > 0 ? mean_dt_ms_ : kSlowestSpacingMs;
    bool gap = dt > std::max(double(kRestartGapMs), kRestartGapFrames * spacing);
    if (!gap) mean_dt_ms_ = mean_dt_ms_ <= 0 ? dt : 0.9 * mean_dt_ms_ + 0.1 * dt;
    return gap;
}

bool CrowdDetector::is_cut() {
    double share = double(cv::countNonZero(fg_)) / std::max<size_t>(1, fg_.total());
    bool cut = frames_ > 1 && fg_share_ < kCutBefore && share > kCutAfter;
    fg_share_ = share;
    return cut;
}

const FrameResult& CrowdDetector::on_frame(const cv::Mat& bgr, int64_t t_ms,
                                           std::vector<Event>& events,
                                           std::vector<Evidence>& evidence) {
    result_ = FrameResult{};
    result_.t_ms = t_ms;
    if (bgr.empty() || bgr.type() != CV_8UC3) return result_;
    if (bgr.size() != full_) {  // new camera geometry: start over
        full_ = bgr.size();
        model_.set_frame_height(full_.height);
        restart();
    } else if (is_gap(t_ms)) {
        restart();
    }
    cv::Mat small;
    scale_ = scale_to_width(bgr, s_.process_width, small);
    foreground(small, t_ms);
    if (is_cut()) {
        restart();
        foreground(small, t_ms);
    }
    if (first_t_ < 0) first_t_ = t_ms;
    ++frames_;
    last_t_ = t_ms;
    // Until the background is learnt, the foreground is the whole scene
    // (frame 0) or its ghosts: no count, nothing smoothed, nothing sent.
    result_.ready = frames_ >= kWarmupFrames && t_ms - first_t_ >= kWarmupMs;
    if (!result_.ready) return result_;
    const cv::Mat& rmask = region_.mask(small.size(), scale_);
    double region_px = std::max(1, cv::countNonZero(rmask));
    double occupied = cv::countNonZero(fg_ & rmask) / region_px;
    last_blobs_ = blobs(rmask);
    if (occupied >= s_.dense_occupancy && region_.area_m2() > 0) {
        result_.dense_mode = true;
        result_.count = occupied * region_.area_m2() * s_.full_density;
    } else {
        result_.count = count_sparse(last_blobs_, small);
    }
    for (const auto& b : last_blobs_)
        result_.boxes.emplace_back(
            cv::Rect(cv::Point(int(b.box.x / scale_), int(b.box.y / scale_)),
                     cv::Size(int(b.box.width / scale_), int(b.box.height / scale_))));
    smooth(t_ms);
    emit(density_.observe(t_ms, density_observation(t_ms)), bgr, events, evidence);
    emit(rise_.observe(t_ms, rise_observation(t_ms)), bgr, events, evidence);
    return result_;
}

void CrowdDetector::draw(cv::Mat& bgr) const {
    if (!fg_.empty() && bgr.size() == full_) {
        // Density heat map: blurred foreground, coloured, blended over the frame.
        cv::Mat heat, big, colour;
        cv::GaussianBlur(fg_, heat, {0, 0}, 4);
        cv::resize(heat, big, bgr.size());
        cv::applyColorMap(big, colour, cv::COLORMAP_JET);
        cv::Mat blend;
        cv::addWeighted(bgr, 0.65, colour, 0.35, 0, blend);
        blend.copyTo(bgr, big > 20);
    }
    const auto& poly = region_.polygon();
    if (!poly.empty()) {
        std::vector<cv::Point> p;
        for (const auto& q : poly) p.emplace_back(cv::Point(int(q.x), int(q.y)));
        cv::polylines(bgr, std::vector<std::vector<cv::Point>>{p}, true, {255, 255, 0}, 2);
    }
    for (size_t i = 0; i < last_blobs_.size() && i < result_.boxes.size(); ++i) {
        cv::rectangle(bgr, result_.boxes[i], {0, 255, 0}, 2);
        cv::putText(bgr, std::to_string(int(last_blobs_[i].people)),
                    result_.boxes[i].tl() + cv::Point(0, -3), cv::FONT_HERSHEY_SIMPLEX, 0.5,
                    {0, 255, 0}, 1);
    }
    char text[96];
    if (result_.ready)
        std::snprintf(text, sizeof text, "%s count %.0f density %.2f/m2", id_.c_str(),
                      result_.count, result_.density);
    else
        std::snprintf(text, sizeof text, "%s learning the background", id_.c_str());
    cv::putText(bgr, text, {8, 22}, cv::FONT_HERSHEY_SIMPLEX, 0.6, {0, 0, 0}, 3);
    cv::putText(bgr, text, {8, 22}, cv::FONT_HERSHEY_SIMPLEX, 0.6, {255, 255, 255}, 1);
}

}  // namespace gw::detectors
