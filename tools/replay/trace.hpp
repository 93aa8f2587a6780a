#pragma once
// Recorded sample traces: CSV with the header `t_ms,point,value` (optionally
// a fourth column `quality`: good | stale | comm_fail | out_of_range).
// Blank lines and lines starting with '#' are ignored. Read one line at a
// time, so a trace of any length needs bounded memory.
#include <cstdint>
#include <istream>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/types.hpp"

namespace gw::replay {

class TraceReader {
  public:
    explicit TraceReader(std::istream& in) : in_(in) {}
    // The next sample, nullopt at the end, or an error "LINE: what".
    Result<std::optional<Sample>> next();
    long line() const { return line_; }

  private:
    Status header(const std::string& text);
    Result<Sample> parse(const std::string& text) const;

    std::istream& in_;
    long line_ = 0;
    bool has_header_ = false;
    bool has_quality_ = false;
    std::optional<int64_t> last_t_;
};

}  // namespace gw::replay
