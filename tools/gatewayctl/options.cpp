#include "options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <map>
#include <sstream>

#include "core/file_io.hpp"

namespace gw::ctl {
namespace detail {

bool parse_number(const std::string& text, bool whole, double& out) {
    if (text.empty()) return false;
    errno = 0;
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(out)) return false;
    return !whole || out == std::floor(out);
}

std::string number_text(double v) {
    std::ostringstream s;
    s << std::setprecision(15) << v;
    return s.str();
}

}  // namespace detail

CLI::Validator readable_file() {
    return CLI::Validator(
        [](std::string& path) {
            auto file = readable_regular_file(path);
            return file ? std::string() : path + ": " + file.error();
        },
        "FILE");
}

CLI::Validator not_empty() {
    return CLI::Validator(
        [](std::string& in) { return std::string(in.empty() ? "must not be empty" : ""); },
        "NOT EMPTY");
}

namespace {

const std::map<std::string, double> kUnitsMs = {
    {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000}};

std::string duration_text(double ms) {
    for (auto unit : {"h", "min", "s"}) {
        const double per = kUnitsMs.at(unit);
        if (ms >= per && std::fmod(ms, per) == 0) return detail::number_text(ms / per) + " " + unit;
    }
    return detail::number_text(ms) + " ms";
}

}  // namespace

CLI::Option* add_duration(CLI::App* cmd, const std::string& name, double& ms,
                          const std::string& what, double min_ms, double max_ms,
                          const std::string& bare_unit) {
    const std::string range = duration_text(min_ms) + " to " + duration_text(max_ms);
    auto parse = [bare_unit, range, min_ms, max_ms](std::string& in) -> std::string {
        size_t split = in.size();
        while (split > 0 && std::isalpha(static_cast<unsigned char>(in[split - 1]))) --split;
        const std::string unit = in.substr(split).empty() ? bare_unit : in.substr(split);
        double v = 0;
        auto factor = kUnitsMs.find(unit);
        if (factor == kUnitsMs.end() || !detail::parse_number(in.substr(0, split), false, v) ||
            v * factor->second < min_ms || v * factor->second > max_ms)
            return "must be a duration from " + range + " like 30s, 5min or 1h" +
                   (bare_unit.empty() ? "" : " (a plain number is in " + bare_unit + ")") +
                   ", got \"" + in + "\"";
        in = detail::number_text(v * factor->second);
        return {};
    };
    return cmd->add_option(name, ms, what)->transform(CLI::Validator(parse, "DURATION"));
}

}  // namespace gw::ctl
