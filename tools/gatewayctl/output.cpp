#include "output.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "core/clock.hpp"

namespace gw::ctl {
namespace {

size_t visible_width(const std::string& s) {
    size_t w = 0;
    bool esc = false;
    for (unsigned char c : s) {
        if (c == 0x1b)
            esc = true;
        else if (esc && c == 'm')
            esc = false;
        else if (!esc && (c & 0xC0) != 0x80)
            ++w;  // count UTF-8 lead bytes only
    }
    return w;
}

}  // namespace

Style::Style(std::FILE* out) : on_(isatty(fileno(out)) && !std::getenv("NO_COLOR")) {}

std::string Style::wrap(const char* code, const std::string& s) const {
    if (!on_) return s;
    return std::string("\x1b[") + code + "m" + s + "\x1b[0m";
}

std::string Table::render() const {
    std::vector<size_t> width(header_.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], visible_width(row[i]));
    };
    measure(header_);
    for (const auto& r : rows_) measure(r);
    auto line = [&](const std::vector<std::string>& row) {
        std::string out;
        for (size_t i = 0; i < width.size(); ++i) {
            std::string cell = i < row.size() ? row[i] : "";
            out += cell;
            if (i + 1 < width.size()) out += std::string(width[i] - visible_width(cell) + 2, ' ');
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string out = line(header_);
    for (const auto& r : rows_) out += line(r);
    return out;
}

Progress::Progress(std::string label, long total)
    : label_(std::move(label)), total_(std::max(1L, total)), tty_(isatty(STDERR_FILENO)) {}

Progress::~Progress() {
    if (tty_ && last_pct_ >= 0) std::fputs("\n", stderr);
}

void Progress::update(long done) {
    if (!tty_) return;
    int pct = static_cast<int>(std::min(100L, done * 100 / total_));
    if (pct == last_pct_) return;
    last_pct_ = pct;
    const int width = 30;
    int filled = pct * width / 100;
    std::fprintf(stderr, "\r%s [%s%s] %3d%% (%ld/%ld)", label_.c_str(),
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), pct,
                 done, total_);
    std::fflush(stderr);
}

std::string value_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

std::string human_duration_ms(long long ms) {
    if (ms < 0) return "-";
    if (ms < 10'000) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
        return buf;
    }
    long long s = ms / 1000;
    if (s < 120) return std::to_string(s) + " s";
    if (s < 7200) return std::to_string(s / 60) + " min";
    if (s < 172800) return std::to_string(s / 3600) + " h " + std::to_string(s / 60 % 60) + " min";
    return std::to_string(s / 86400) + " d";
}

std::string local_time_text(int64_t t_ms, const char* format) {
    const std::time_t secs = static_cast<std::time_t>(t_ms / 1000);
    std::tm local{};
    char buf[64];
    if (!localtime_r(&secs, &local) || std::strftime(buf, sizeof buf, format, &local) == 0)
        return "?";
    return buf;
}

int64_t now_ms() {
    return SystemClock().now_ms();
}

}  // namespace gw::ctl
