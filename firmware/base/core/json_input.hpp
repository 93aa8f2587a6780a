#pragma once
// JSON text from outside the gateway (a control line, a center's command),
// parsed with a nesting limit. The parser itself is iterative, but copying
// a value recurses once per level: a 64 KiB line of 32,000 nested arrays
// overflowed the control thread's stack when the request was copied into
// its job. No request of the contract nests more than a few levels.
#include <string>

#include <nlohmann/json.hpp>

#include "result.hpp"

namespace gw {

constexpr int kMaxJsonInputDepth = 32;

// The value, or "not JSON" / "nested deeper than 32 levels".
Result<nlohmann::json> parse_json_input(const std::string& text);

}  // namespace gw
