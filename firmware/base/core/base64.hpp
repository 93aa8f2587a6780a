#pragma once
// Base64 (RFC 4648) for binary replies on the JSON control socket (camera
// snapshots). None of the project's libraries exposes one.
#include <optional>
#include <string>
#include <vector>

namespace gw {

std::string base64_encode(const std::vector<unsigned char>& bytes);
// nullopt on a character outside the alphabet or a bad length.
std::optional<std::vector<unsigned char>> base64_decode(const std::string& text);

}  // namespace gw
