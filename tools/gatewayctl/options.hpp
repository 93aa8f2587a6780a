#pragma once
// Option checks with messages a technician reads at once: what the value
// must be and what was given ("must be a whole number from 1 to 1000, got
// \"abc\""), where CLI11's own Range says "Value abc not in range" of a word
// that is not a number, and shows a duration in the milliseconds it became.
#include <string>
#include <type_traits>

#include <CLI/CLI.hpp>

namespace gw::ctl {

namespace detail {
bool parse_number(const std::string& text, bool whole, double& out);
std::string number_text(double v);
}  // namespace detail

CLI::Validator not_empty();
// A regular file this process may read: CLI::ExistingFile also takes a FIFO
// (the command then waits for a writer for ever) or /dev/zero (never ends).
CLI::Validator readable_file();

// A number (a whole number for an integral T) from lo to hi.
template <typename T>
CLI::Validator between(T lo, T hi) {
    constexpr bool whole = std::is_integral<T>::value;
    const std::string range = detail::number_text(static_cast<double>(lo)) + " to " +
                              detail::number_text(static_cast<double>(hi));
    return CLI::Validator(
        [range, lo, hi](std::string& in) -> std::string {
            double v = 0;
            if (!detail::parse_number(in, whole, v) || v < static_cast<double>(lo) ||
                v > static_cast<double>(hi))
                return std::string("must be ") + (whole ? "a whole number" : "a number") +
                       " from " + range + ", got \"" + in + "\"";
            return {};
        },
        "[" + range + "]");
}

// A duration with a unit (ms, s, min, h) read into milliseconds, from
// min_ms to max_ms; with `bare_unit` a plain number is in that unit ("s":
// `--for 600` as before units were read).
CLI::Option* add_duration(CLI::App* cmd, const std::string& name, double& ms,
                          const std::string& what, double min_ms, double max_ms,
                          const std::string& bare_unit = "");

}  // namespace gw::ctl
