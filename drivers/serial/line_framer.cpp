#include "line_framer.hpp"

#include <cctype>
#include <cstdio>

#include "core/utf8.hpp"

namespace gw::serial {

uint8_t nmea_checksum(std::string_view payload) {
    uint8_t x = 0;
    for (char c : payload) x ^= static_cast<uint8_t>(c);
    return x;
}

LineFramer::LineFramer(Framing framing, size_t max_line) : framing_(framing), max_line_(max_line) {
    buf_.reserve(max_line_);
}

std::vector<std::string> LineFramer::feed(std::string_view bytes) {
    std::vector<std::string> out;
    counters_.bytes += bytes.size();
    for (char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n' || c == '\r') {
            finish_line(out);
            continue;
        }
        if (overflowed_) continue;
        if (buf_.size() >= max_line_) {
            overflowed_ = true;
            buf_.clear();
            continue;
        }
        // Tabs are text; other control bytes are line noise (wrong baud
        // rate, a half-plugged connector). 8-bit bytes are too, unless the
        // line is UTF-8 text ("23.5 °C"): checked when it ends.
        if ((c < 0x20 && c != '\t') || c == 0x7F) dirty_ = true;
        if (c >= 0x80) eight_bit_ = true;
        buf_.push_back(ch);
    }
    return out;
}

void LineFramer::finish_line(std::vector<std::string>& out) {
    if (resyncing_) {
        resyncing_ = false;
        reset();  // the tail of a line, if any: partial
        return;
    }
    if (overflowed_) {
        counters_.overlong++;
    } else if (buf_.empty()) {
        // CRLF and blank lines end here; nothing was lost.
        if (!dirty_) counters_.empty++;
    } else if (dirty_ || (eight_bit_ && !is_utf8(buf_))) {
        counters_.garbage++;
    } else if (framing_ == Framing::line) {
        counters_.lines++;
        out.push_back(buf_);
    } else {
        std::string payload;
        if (nmea_payload(buf_, payload)) {
            counters_.lines++;
            out.push_back(std::move(payload));
        }
    }
    buf_.clear();
    overflowed_ = false;
    dirty_ = false;
    eight_bit_ = false;
}

bool LineFramer::nmea_payload(const std::string& line, std::string& payload) {
    if (line[0] != '$') {
        counters_.garbage++;
        return false;
    }
    const auto star = line.rfind('*');
    unsigned expected = 0;
    char tail = 0;
    if (star == std::string::npos || line.size() != star + 3 ||
        std::sscanf(line.c_str() + star + 1, "%2x%c", &expected, &tail) != 1 ||
        !std::isxdigit(static_cast<unsigned char>(line[star + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(line[star + 2]))) {
        counters_.bad_checksum++;
        return false;
    }
    payload = line.substr(1, star - 1);
    if (nmea_checksum(payload) != expected) {
        counters_.bad_checksum++;
        return false;
    }
    return true;
}

void LineFramer::resync() {
    reset();
    resyncing_ = true;
}

void LineFramer::idle() {
    if (buf_.empty() && !overflowed_) resyncing_ = false;
}

void LineFramer::reset() {
    if (!buf_.empty() || overflowed_) counters_.partial++;
    buf_.clear();
    overflowed_ = false;
    dirty_ = false;
    eight_bit_ = false;
}

}  // namespace gw::serial
