#pragma once
// The gateway's operating mode (issue 13). Parts that schedule work (pollers,
// the telemetry reporter, cameras) ask a ModeView each time they schedule, so
// a change of mode takes effect within one interval.
#include <optional>
#include <string_view>

#include "enum_names.hpp"

namespace gw {

enum class Mode { normal, emergency };
inline constexpr EnumNames<Mode, 2> kModeNames{{
    {Mode::normal, "normal"},
    {Mode::emergency, "emergency"},
}};

std::string_view to_string(Mode m);
std::optional<Mode> mode_from_string(std::string_view s);

class ModeView {
  public:
    virtual ~ModeView() = default;
    virtual Mode mode() const = 0;
};

// Whether `view` (may be null: a part built without a mode owner) says emergency.
inline bool in_emergency(const ModeView* view) {
    return view != nullptr && view->mode() == Mode::emergency;
}

}  // namespace gw
