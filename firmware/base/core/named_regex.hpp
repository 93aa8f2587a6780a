#pragma once
// A regular expression with named groups `(?<name>...)`. std::regex
// (ECMAScript) has no named groups, so the pattern is translated to
// positional groups and the names are kept beside it.
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace gw {

class NamedRegex {
  public:
    static constexpr size_t kMaxPatternLength = 1024;
    // Fails with a message for invalid syntax, duplicate or bad names,
    // lookbehind (unsupported by ECMAScript), a pattern with no names, or
    // one longer than kMaxPatternLength.
    static Result<NamedRegex> compile(const std::string& pattern);

    // The named fields if the whole line matches.
    std::optional<std::map<std::string, std::string>> match(const std::string& line) const;

    const std::vector<std::string>& names() const { return names_; }

  private:
    std::regex re_;
    std::vector<std::string> names_;
    std::vector<size_t> groups_;  // positional group of names_[i]
};

}  // namespace gw
