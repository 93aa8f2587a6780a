#include "log.hpp"

namespace gw {
std::string logfmt_value(std::string_view v) {
    bool needs_quotes = v.empty();
    for (char c : v)
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
            needs_quotes = true;
    if (!needs_quotes) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

void Log::write(LogLevel level, std::string_view component, std::string_view msg,
                std::initializer_list<LogField> fields) {
    if (!enabled(level)) return;
    std::string line = "level=";
    line += name_of(kLogLevelNames, level);
    line += " component=";
    line += logfmt_value(component);
    line += " msg=";
    line += logfmt_value(msg);
    for (const auto& f : fields) {
        line += ' ';
        line += f.key;
        line += '=';
        line += logfmt_value(f.value);
    }
    line += '\n';
    std::lock_guard<std::mutex> lock(mutex_);
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
}

bool parse_log_level(std::string_view text, LogLevel& out) {
    auto level = value_of(kLogLevelNames, text);
    if (level) out = *level;
    return level.has_value();
}

}  // namespace gw
