#include "types.hpp"

#include "mode.hpp"

namespace gw {
namespace {

constexpr EnumNames<Quality, 4> kQuality{{
    {Quality::good, "good"},
    {Quality::stale, "stale"},
    {Quality::comm_fail, "comm_fail"},
    {Quality::out_of_range, "out_of_range"},
}};

}  // namespace

std::string_view to_string(Quality q) {
    return name_of(kQuality, q);
}
std::string_view to_string(Severity s) {
    return name_of(kSeverityNames, s);
}
std::string_view to_string(EventState s) {
    return name_of(kEventStateNames, s);
}
std::optional<Quality> quality_from_string(std::string_view s) {
    return value_of(kQuality, s);
}
std::optional<Severity> severity_from_string(std::string_view s) {
    return value_of(kSeverityNames, s);
}
std::optional<EventState> event_state_from_string(std::string_view s) {
    return value_of(kEventStateNames, s);
}

std::string_view to_string(Mode m) {
    return name_of(kModeNames, m);
}
std::optional<Mode> mode_from_string(std::string_view s) {
    return value_of(kModeNames, s);
}

}  // namespace gw
