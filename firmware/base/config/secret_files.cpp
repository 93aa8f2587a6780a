#include "secret_files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/file_io.hpp"

namespace gw {
namespace {

// Open for reading when only its owner and group may read or write it.
Result<std::ifstream> open_private(const std::string& path) {
    auto file = readable_regular_file(path);
    if (!file) return fail(path + ": " + file.error());
    const mode_t mode_bits = file->st_mode;
    if (mode_bits & (S_IROTH | S_IWOTH)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(mode_bits & 07777));
        const char* what = (mode_bits & S_IROTH) ? "world-readable" : "world-writable";
        return fail(path + " is " + what + " (mode " + mode +
                    "): refusing to use it; run `chmod o-rwx " + path + "`");
    }
    std::ifstream in(path);
    if (!in) return fail(path + ": " + std::strerror(errno));
    return in;
}

void drop_line_end(std::string& s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.pop_back();
}

}  // namespace

Result<Credentials> read_credentials(const std::string& path) {
    auto in = open_private(path);
    if (!in) return fail(in.error());
    Credentials c;
    if (!std::getline(*in, c.username) || (drop_line_end(c.username), c.username.empty()))
        return fail(path + ": expected \"username\\npassword\"");
    std::getline(*in, c.password);
    drop_line_end(c.password);
    return c;
}

Result<std::string> read_secret(const std::string& path) {
    auto in = open_private(path);
    if (!in) return fail(in.error());
    std::string secret;
    if (!std::getline(*in, secret)) return fail(path + ": empty");
    drop_line_end(secret);
    if (secret.size() < kMinSecretBytes)
        return fail(path + ": the secret must be at least " + std::to_string(kMinSecretBytes) +
                    " characters");
    return secret;
}

}  // namespace gw
