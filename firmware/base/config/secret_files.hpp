#pragma once
// The files that hold the gateway's secrets: the broker login and the
// command-signing secret. One reader each, used by --check-config (so a
// file the daemon would refuse is a config error, exit 2, not a start that
// fails and is restarted for ever) and by the parts that use them.
//
// Both refuse a file that others can read or write: a world-readable
// password is a leaked password. Errors read "PATH: what is wrong"; the
// caller names the config key.
#include <cstddef>
#include <string>

#include "core/result.hpp"

namespace gw {

struct Credentials {
    std::string username;
    std::string password;
};

// "username\npassword" (trailing CR removed).
Result<Credentials> read_credentials(const std::string& path);

// The shortest command-signing secret accepted.
constexpr size_t kMinSecretBytes = 16;

// The file's first line (trailing CR/LF removed), at least kMinSecretBytes.
Result<std::string> read_secret(const std::string& path);

}  // namespace gw
