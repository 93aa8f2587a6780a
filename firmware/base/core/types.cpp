#include "types.hpp"

#include "enum_names.hpp"
#include "mode.hpp"

namespace gw {
namespace {

constexpr EnumNames<Quality, 4> kQuality{{
    {Quality::good, "good"},
    {Quality::stale, "stale"},
    {Quality::comm_fail, "comm_fail"},
    {Quality::out_of_range, "out_of_range"},
}};
constexpr EnumNames<Severity, 5> kSeverity{{
    {Severity::info, "info"},
    {Severity::notice, "notice"},
    {Severity::warning, "warning"},
    {Severity::alarm, "alarm"},
    {Severity::critical, "critical"},
}};
constexpr EnumNames<EventState, 3> kState{{
    {EventState::raise, "raise"},
    {EventState::update, "update"},
    {EventState::clear, "clear"},
}};
constexpr EnumNames<Mode, 2> kMode{{
    {Mode::normal, "normal"},
    {Mode::emergency, "emergency"},
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
    return value_of(kQuality, s);
}
std::optional<Severity> severity_from_string(std::string_view s) {
    return value_of(kSeverity, s);
}
std::optional<EventState> event_state_from_string(std::string_view s) {
    return value_of(kState, s);
}

std::string_view to_string(Mode m) {
    return name_of(kMode, m);
}
std::optional<Mode> mode_from_string(std::string_view s) {
    return value_of(kMode, s);
}

}  // namespace gw
