#pragma once
// Structured logs, one logfmt line per record on stderr:
//   level=warn component=modbus msg="timeout" device=plc1 attempt=2
// journald keeps stderr of a service, so no syslog plumbing is needed.
// One Log is made in main() and handed to whoever logs: no global logger.
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "enum_names.hpp"

namespace gw {

enum class LogLevel { debug, info, warn, error };
inline constexpr EnumNames<LogLevel, 4> kLogLevelNames{{
    {LogLevel::debug, "debug"},
    {LogLevel::info, "info"},
    {LogLevel::warn, "warn"},
    {LogLevel::error, "error"},
}};

struct LogField {
    std::string key;
    std::string value;
    LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
    LogField(std::string k, const char* v) : key(std::move(k)), value(v) {}
    template <typename N, typename = std::enable_if_t<std::is_arithmetic_v<N>>>
    LogField(std::string k, N n) : key(std::move(k)), value(std::to_string(n)) {}
};

class Log {
  public:
    explicit Log(LogLevel min = LogLevel::info, std::FILE* out = stderr) : min_(min), out_(out) {}

    void set_level(LogLevel level) { min_ = level; }
    bool enabled(LogLevel level) const { return level >= min_; }

    void write(LogLevel level, std::string_view component, std::string_view msg,
               std::initializer_list<LogField> fields = {});

    void debug(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) {
        write(LogLevel::debug, c, m, f);
    }
    void info(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) {
        write(LogLevel::info, c, m, f);
    }
    void warn(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) {
        write(LogLevel::warn, c, m, f);
    }
    void error(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) {
        write(LogLevel::error, c, m, f);
    }

  private:
    LogLevel min_;
    std::FILE* out_;
    std::mutex mutex_;
};

bool parse_log_level(std::string_view text, LogLevel& out);
// Quotes a logfmt value when it needs it; exposed for tests.
std::string logfmt_value(std::string_view v);

}  // namespace gw
