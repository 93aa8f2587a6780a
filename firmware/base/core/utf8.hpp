#pragma once
#include <string_view>

namespace gw {

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF). Noise from a wrong baud rate almost never is; MQTT requires it
// of topics.
bool is_utf8(std::string_view s);

}  // namespace gw
