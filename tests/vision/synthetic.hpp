#pragma once
// Generated scenes for the vision tests: known people and flames, so the
// expected result is known without footage.
#include <cmath>
#include <cstdint>
#include <random>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace gw::test {

// A textured still background (grass-like green and a grey path).
inline cv::Mat background(cv::Size size) {
    cv::Mat bg(size, CV_8UC3, cv::Scalar(60, 120, 70));
    cv::rectangle(bg, cv::Rect(0, size.height / 3, size.width, size.height / 3),
                  cv::Scalar(130, 130, 130), cv::FILLED);
    cv::Mat noise(size, CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(6));
    bg += noise;
    return bg;
}

// One walker sprite, h px tall: head, textured coat, legs (texture so that
// the background model sees the whole body move, as with real clothing).
inline void person_sprite(int h, int seed, cv::Mat& sprite, cv::Mat& mask) {
    sprite = cv::Mat(h, h / 2, CV_8UC3, cv::Scalar::all(0));
    mask = cv::Mat::zeros(h, h / 2, CV_8U);
    cv::ellipse(mask, {h / 4, h / 10}, {h / 10, h / 10}, 0, 0, 360, 255, cv::FILLED);
    cv::rectangle(mask, cv::Rect(h / 8, h / 5, h / 4, h * 2 / 5), 255, cv::FILLED);
    cv::rectangle(mask, cv::Rect(h / 8 + 1, h * 3 / 5, h / 4 - 2, h * 2 / 5), 255, cv::FILLED);
    cv::RNG rng(seed);
    rng.fill(sprite, cv::RNG::UNIFORM, cv::Scalar(10, 10, 30), cv::Scalar(90, 70, 110));
}

// `people` walkers, each `h` px tall, spread over the width and walking
// right at `speed` px per frame (wrapping).
inline cv::Mat crowd_frame(const cv::Mat& bg, int frame, int people, int h, int speed = 5) {
    cv::Mat f = bg.clone();
    int spacing = f.cols / std::max(1, people);
    for (int i = 0; i < people; ++i) {
        cv::Mat sprite, mask;
        person_sprite(h, i + 1, sprite, mask);
        int x = (i * spacing + frame * speed) % (f.cols - h / 2);
        int top = f.rows / 3 + (i % 2) * (h / 3);
        sprite.copyTo(f(cv::Rect(x, top, h / 2, h)), mask);
    }
    return f;
}

// A flame at `base` (bottom centre) whose outline and brightness change
// at random every frame, as real flames do.
inline void draw_flame(cv::Mat& f, cv::Point base, int size, std::mt19937& rng) {
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

// A fire scene: background plus a flickering flame from `start` on.
inline cv::Mat fire_frame(const cv::Mat& bg, int frame, int start, std::mt19937& rng) {
    cv::Mat f = bg.clone();
    if (frame >= start) draw_flame(f, {f.cols / 2, f.rows * 3 / 4}, f.rows / 4, rng);
    return f;
}

// Fire-coloured distractors: a steady orange lamp, a red-orange sign
// blinking at 1 Hz and an orange jacket walking across.
inline cv::Mat distractor_frame(const cv::Mat& bg, int frame, int fps) {
    cv::Mat f = bg.clone();
    cv::circle(f, {f.cols / 6, f.rows / 5}, f.rows / 12, {40, 140, 255}, cv::FILLED);
    if ((frame / (fps / 2)) % 2 == 0)
        cv::rectangle(f, cv::Rect(f.cols * 2 / 3, f.rows / 10, f.cols / 5, f.rows / 10),
                      {30, 80, 250}, cv::FILLED);
    int x = (frame * 4) % f.cols;
    cv::rectangle(f, cv::Rect(x, f.rows / 2, f.rows / 10, f.rows / 6), {20, 110, 250}, cv::FILLED);
    return f;
}

}  // namespace gw::test
