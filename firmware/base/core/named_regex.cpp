#include "core/named_regex.hpp"

#include <cctype>

namespace gw {

namespace {

bool valid_name(const std::string& n) {
    if (n.empty() || !(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
    for (char c : n)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

// The numbers of "{n}", "{n,}", "{n,m}" starting at `from`: std::regex reads
// them into a long that overflows on long ones, and a line has at most
// 4096 bytes anyway.
bool repeat_count_ok(const std::string& pattern, size_t from) {
    size_t digits = 0;
    for (size_t j = from; j < pattern.size(); ++j) {
        if (std::isdigit(static_cast<unsigned char>(pattern[j]))) {
            if (++digits > 4) return false;
        } else if (pattern[j] == ',') {
            digits = 0;
        } else {
            break;
        }
    }
    return true;
}

// The name of the "(?<name>" at `at`, checked against those before it;
// `close` is set to its '>'.
Result<std::string> group_name(const std::string& pattern, size_t at,
                               const std::vector<std::string>& before, size_t& close) {
    close = pattern.find('>', at + 3);
    if (close == std::string::npos) return fail("unterminated group name after (?<");
    std::string name = pattern.substr(at + 3, close - at - 3);
    if (!valid_name(name)) return fail("invalid group name \"" + name + "\"");
    for (const auto& n : before)
        if (n == name) return fail("duplicate group name \"" + name + "\"");
    return name;
}

Result<std::regex> linear_time_regex(const std::string& ecmascript) {
    try {
        // __polynomial (libstdc++): match with the breadth-first executor, in
        // time linear in the line; the default backtracking one takes
        // exponential time (a serial thread that never returns) on patterns
        // like "(?<v>[0-9]+)+x" and recurses once per byte on long lines.
        return std::regex(ecmascript, std::regex::ECMAScript | std::regex_constants::__polynomial);
    } catch (const std::regex_error& e) {
        if (e.code() == std::regex_constants::error_complexity)
            return fail("back-references (\\1) are not supported");
        return fail(std::string("invalid regular expression: ") + e.what());
    }
}

}  // namespace

Result<NamedRegex> NamedRegex::compile(const std::string& pattern) {
    // std::regex compiles by recursive descent, a few frames per term and
    // per nested group: 50,000 nested groups overflowed the stack (a crash
    // of --check-config). A line pattern is far shorter than this.
    if (pattern.size() > kMaxPatternLength)
        return fail("longer than " + std::to_string(kMaxPatternLength) + " characters");
    NamedRegex nr;
    std::string out;
    size_t group = 0;
    bool in_class = false;
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {  // an escaped character never opens a group
            // std::regex reads the digits of \N into a long that overflows.
            if (i + 1 < pattern.size() && pattern[i + 1] >= '1' && pattern[i + 1] <= '9')
                return fail("back-references (\\1) are not supported");
            out += c;
            if (i + 1 < pattern.size()) out += pattern[++i];
            continue;
        }
        if (in_class) {
            if (c == ']') in_class = false;
            out += c;
            continue;
        }
        if (c == '[') {
            in_class = true;
            out += c;
            // "[]...]" and "[^]...]": a leading ']' is a literal.
            if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
            if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
            continue;
        }
        if (c == '{' && !repeat_count_ok(pattern, i + 1))
            return fail("repeat count in {...} too large: at most 4 digits");
        if (c != '(') {
            out += c;
            continue;
        }
        if (i + 1 < pattern.size() && pattern[i + 1] == '?') {
            if (pattern.compare(i, 4, "(?<=") == 0 || pattern.compare(i, 4, "(?<!") == 0)
                return fail("lookbehind (?<= (?<! is not supported by std::regex");
            if (pattern.compare(i, 3, "(?<") == 0) {
                size_t close = 0;
                auto name = group_name(pattern, i, nr.names_, close);
                if (!name) return fail(name.error());
                nr.names_.push_back(std::move(*name));
                nr.groups_.push_back(++group);
                out += '(';
                i = close;
                continue;
            }
            out += c;  // (?: (?= (?! : not capturing
            continue;
        }
        ++group;
        out += c;
    }
    if (in_class) return fail("unterminated character class [");
    if (nr.names_.empty()) return fail("the pattern has no named field (?<name>...)");
    auto re = linear_time_regex(out);
    if (!re) return fail(re.error());
    nr.re_ = std::move(*re);
    if (nr.re_.mark_count() != group) return fail("could not count the pattern's groups");
    return nr;
}

std::optional<std::map<std::string, std::string>> NamedRegex::match(const std::string& line) const {
    std::smatch m;
    if (!std::regex_match(line, m, re_)) return std::nullopt;
    std::map<std::string, std::string> fields;
    for (size_t i = 0; i < names_.size(); ++i)
        if (m[groups_[i]].matched) fields[names_[i]] = m[groups_[i]].str();
    return fields;
}

}  // namespace gw
