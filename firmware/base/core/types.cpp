#include "types.hpp"

#include <array>
#include <utility>

namespace gw {
namespace {

template <typename E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
    for (const auto& [v, n] : names)
        if (v == value) return n;
    return "unknown";
}

template <typename E, size_t N>
std::optional<E> parse(const std::array<std::pair<E, std::string_view>, N>& names,
                       std::string_view text) {
    for (const auto& [v, n] : names)
        if (n == text) return v;
    return std::nullopt;
}

constexpr std::array<std::pair<Quality, std::string_view>, 4> kQuality{{
    {Quality::good, "good"},
    {Quality::stale, "stale"},
    {Quality::comm_fail, "comm_fail"},
    {Quality::out_of_range, "out_of_range"},
}};
constexpr std::array<std::pair<Severity, std::string_view>, 5> kSeverity{{
    {Severity::info, "info"},
    {Severity::notice, "notice"},
    {Severity::warning, "warning"},
    {Severity::alarm, "alarm"},
    {Severity::critical, "critical"},
}};
constexpr std::array<std::pair<EventState, std::string_view>, 3> kState{{
    {EventState::raise, "raise"},
    {EventState::update, "update"},
    {EventState::clear, "clear"},
}};

}  // namespace

std::string_view to_string(Quality q) {
    return name_of(kQuality, q);
}
std::string_view to_string(Severity s) {
    return name_of(kSeverity, s);
}
std::string_view to_string(EventState s) {
    return name_of(kState, s);
}
std::optional<Quality> quality_from_string(std::string_view s) {
    return parse(kQuality, s);
}
std::optional<Severity> severity_from_string(std::string_view s) {
    return parse(kSeverity, s);
}
std::optional<EventState> event_state_from_string(std::string_view s) {
    return parse(kState, s);
}

}  // namespace gw
