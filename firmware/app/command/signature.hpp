#pragma once
// Optional signing of commands (docs/contract.md "Commands"): sig =
// lowercase hex HMAC-SHA256(secret, "{site}/{gateway}\n{name}\n{canonical}"),
// the target gateway named so that a command captured on its way to one
// gateway is refused by another holding the same secret; canonical = the
// request without "sig", sorted keys, no whitespace (nlohmann dump(); Python
// json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False)).
// OpenSSL computes the HMAC.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace gw::command {

// The text that is signed for `request` (its "sig" left out), sent to the
// gateway `target` ("{site}/{gateway}").
std::string signed_text(const std::string& target, const std::string& name,
                        const nlohmann::json& request);
// Lowercase hex HMAC-SHA256 of `text` under `secret`.
std::string hmac_sha256_hex(const std::string& secret, const std::string& text);
// Signs: the sig a center would put into `request`.
std::string sign(const std::string& secret, const std::string& target, const std::string& name,
                 const nlohmann::json& request);

struct SignaturePolicy {
    std::string secret;  // empty: commands are not signed, nothing is checked
    int64_t max_skew_ms = 300000;
    bool allow_unsynced = false;
};

// Whether `request` may be taken as the center's: commands are not signed,
// or it carries a "sig" that is its HMAC (its ts not yet judged). Only
// such a request names the id its refusal is filed under.
bool vouched_for(const SignaturePolicy& policy, const std::string& target, const std::string& name,
                 const nlohmann::json& request);

// Why `request` (already valid against its schema) must be refused, or
// success. target: this gateway, "{site}/{gateway}"; now_ms: the gateway's
// UTC time; clock_synced: whether to trust it.
Status check_signature(const SignaturePolicy& policy, const std::string& target,
                       const std::string& name, const nlohmann::json& request, int64_t now_ms,
                       bool clock_synced);

}  // namespace gw::command
