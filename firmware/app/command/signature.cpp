#include "signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace gw::command {
namespace {

std::string hex(const unsigned char* p, size_t n) {
    static const char* kDigits = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (size_t i = 0; i < n; ++i) {
        out += kDigits[p[i] >> 4];
        out += kDigits[p[i] & 15];
    }
    return out;
}

}  // namespace

std::string signed_text(const std::string& target, const std::string& name,
                        const nlohmann::json& request) {
    nlohmann::json unsigned_request = request;
    unsigned_request.erase("sig");
    // nlohmann::json keeps object keys sorted; dump() has no whitespace.
    return target + "\n" + name + "\n" + unsigned_request.dump(-1, ' ', false);
}

std::string hmac_sha256_hex(const std::string& secret, const std::string& text) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &len);
    return hex(mac, len);
}

std::string sign(const std::string& secret, const std::string& target, const std::string& name,
                 const nlohmann::json& request) {
    return hmac_sha256_hex(secret, signed_text(target, name, request));
}

bool vouched_for(const SignaturePolicy& policy, const std::string& target, const std::string& name,
                 const nlohmann::json& request) {
    if (policy.secret.empty()) return true;
    auto sig = request.find("sig");
    if (sig == request.end() || !sig->is_string()) return false;
    const std::string want = sign(policy.secret, target, name, request);
    const std::string& got = sig->get_ref<const std::string&>();
    return got.size() == want.size() && CRYPTO_memcmp(got.data(), want.data(), want.size()) == 0;
}

// Year 9999: later than any clock, small enough that now - ts cannot overflow.
constexpr int64_t kMaxTsMs = 253402300799999;

Status check_signature(const SignaturePolicy& policy, const std::string& target,
                       const std::string& name, const nlohmann::json& request, int64_t now_ms,
                       bool clock_synced) {
    if (policy.secret.empty()) return Status::success();
    if (!request.contains("sig") || !request.contains("ts"))
        return fail("unsigned: this gateway requires ts and sig on every command");
    // The signature first: a forged request is told so, not judged on a
    // ts it made up.
    if (!vouched_for(policy, target, name, request)) return fail("bad signature");
    if (!clock_synced && !policy.allow_unsynced)
        return fail(
            "the gateway's clock is not synced, so the age of a signed command cannot "
            "be checked: refused (commands.allow_unsynced = true accepts them)");
    // Checked before the subtraction: a ts beyond int64 (the schema only asks
    // for an integer >= 0) was read as a negative one, and now - ts overflowed.
    const auto& t = request["ts"];
    const bool in_range = t.is_number_unsigned() ? t.get<uint64_t>() <= uint64_t(kMaxTsMs)
                                                 : t.is_number_integer() && t.get<int64_t>() >= 0 &&
                                                       t.get<int64_t>() <= kMaxTsMs;
    if (!in_range) return fail("ts: not a time in UTC milliseconds");
    const int64_t skew = now_ms - t.get<int64_t>();
    if (skew > policy.max_skew_ms || -skew > policy.max_skew_ms)
        return fail("stale: ts is " + std::to_string(skew / 1000) +
                    " s away from the gateway's clock (at most " +
                    std::to_string(policy.max_skew_ms / 1000) + " s allowed)");
    return Status::success();
}

}  // namespace gw::command
