#include "secret_files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace gw {
namespace {

// Open for reading when only its owner and group may read or write it.
Result<std::ifstream> open_private(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return fail(path + ": " + std::strerror(errno));
    // A FIFO would block the start until a writer came.
    if (!S_ISREG(st.st_mode)) return fail(path + ": not a regular file");
    if (st.st_mode & (S_IROTH | S_IWOTH)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        const char* what = (st.st_mode & S_IROTH) ? "world-readable" : "world-writable";
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
