#pragma once
// Base64 (RFC 4648) for binary in JSON: evidence images on MQTT, camera
// snapshots on the control socket. Strict decoding (OpenSSL's DecodeBlock
// takes whitespace and returns the padding as zero bytes).
#include <optional>
#include <string>
#include <vector>

namespace gw {

std::string base64_encode(const std::vector<unsigned char>& bytes);
// nullopt on a character outside the alphabet or a bad length.
std::optional<std::vector<unsigned char>> base64_decode(const std::string& text);

}  // namespace gw
