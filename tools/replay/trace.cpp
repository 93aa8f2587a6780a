#include "trace.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace gw::replay {

namespace {
std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t comma = s.find(',', start);
        out.push_back(s.substr(start, comma - start));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

// A field as a message quotes it: a binary file's bytes must not reach the
// technician's terminal (escape sequences), nor a whole line of it.
std::string shown(const std::string& s) {
    constexpr size_t kMax = 60;
    std::string out;
    for (size_t i = 0; i < s.size() && i < kMax; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
    }
    return s.size() > kMax ? out + "..." : out;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return s.substr(i);
}
}  // namespace

Status TraceReader::header(const std::string& text) {
    auto cols = split(text);
    for (auto& c : cols) c = trim(c);
    bool base = cols.size() >= 3 && cols[0] == "t_ms" && cols[1] == "point" && cols[2] == "value";
    has_quality_ = cols.size() == 4 && cols[3] == "quality";
    if (!base || (cols.size() == 4 && !has_quality_) || cols.size() > 4)
        return fail(std::to_string(line_) + ": header must be t_ms,point,value[,quality], got \"" +
                    shown(text) + "\"");
    has_header_ = true;
    return Status::success();
}

Result<Sample> TraceReader::parse(const std::string& text) const {
    auto cols = split(text);
    size_t want = has_quality_ ? 4 : 3;
    auto where = std::to_string(line_) + ": ";
    if (cols.size() != want && !(has_quality_ && cols.size() == 3))
        return fail(where + "expected " + std::to_string(want) + " fields, got " +
                    std::to_string(cols.size()));
    for (auto& c : cols) c = trim(c);
    Sample s;
    const std::string& t = cols[0];
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), s.t_ms);
    if (ec != std::errc() || end != t.data() + t.size() || t.empty())
        return fail(where + "t_ms \"" + shown(t) + "\" is not an integer");
    if (s.t_ms < 0) return fail(where + "t_ms " + t + " is negative");
    if (last_t_ && s.t_ms < *last_t_)
        return fail(where + "t_ms " + t + " goes back in time (previous " +
                    std::to_string(*last_t_) + ")");
    s.point = cols[1];
    if (s.point.empty()) return fail(where + "point is empty");
    char* vend = nullptr;
    s.value = std::strtod(cols[2].c_str(), &vend);
    if (cols[2].empty() || *vend != '\0' || !std::isfinite(s.value))
        return fail(where + "value \"" + shown(cols[2]) + "\" is not a finite number");
    if (cols.size() == 4) {
        auto q = quality_from_string(cols[3]);
        if (!q)
            return fail(where + "quality \"" + shown(cols[3]) +
                        "\" is not good, stale, comm_fail or out_of_range");
        s.quality = *q;
    }
    return s;
}

Result<std::optional<Sample>> TraceReader::next() {
    std::string text;
    while (std::getline(in_, text)) {
        ++line_;
        text = trim(text);
        if (text.empty() || text[0] == '#') continue;
        if (!has_header_) {
            if (auto h = header(text); !h) return fail(h.error());
            continue;
        }
        auto s = parse(text);
        if (!s) return fail(s.error());
        last_t_ = s->t_ms;
        return std::optional<Sample>(std::move(*s));
    }
    if (!has_header_) return fail(std::to_string(line_) + ": empty trace (no header)");
    return std::optional<Sample>();
}

}  // namespace gw::replay
