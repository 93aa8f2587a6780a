#include "json_input.hpp"

namespace gw {

Result<nlohmann::json> parse_json_input(const std::string& text) {
    // The parser ends its input at a NUL: what followed was dropped unseen.
    if (text.find('\0') != std::string::npos) return fail("a NUL byte in the text");
    bool too_deep = false;
    // Returning false drops the part being built, so nothing deeper than
    // the limit is ever held.
    auto limit = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth <= kMaxJsonInputDepth) return true;
        too_deep = true;
        return false;
    };
    nlohmann::json value = nlohmann::json::parse(text, limit, false);
    if (too_deep)
        return fail("nested deeper than " + std::to_string(kMaxJsonInputDepth) + " levels");
    if (value.is_discarded()) return fail("not JSON");
    return value;
}

}  // namespace gw
