#include "boot_counter.hpp"

#include <fstream>
#include <sstream>

#include "core/file_io.hpp"
#include "files.hpp"

namespace gw::store {

std::string default_boot_file(const std::string& store_path) {
    return dir_of(store_path) + "/boot.count";
}

Result<uint64_t> read_boot_file(const std::string& path) {
    if (!exists(path)) return uint64_t{0};
    std::ifstream in(path);
    if (!in) return fail(errno_text("cannot read", path));
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    size_t used = 0;
    uint64_t boot = 0;
    try {
        boot = std::stoull(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || s.find_first_not_of(" \n", used) != std::string::npos || s[0] == '-')
        return fail(path + " holds no boot number");
    return boot;
}

Status write_boot_file(const std::string& path, uint64_t boot) {
    return write_durably(path, std::to_string(boot) + "\n");
}

uint64_t first_boot(int64_t wall_ms, bool synced, uint64_t random) {
    constexpr uint64_t kUnsyncedRange = uint64_t{1} << 30;
    // 2^40 ms is in 2004: a synced clock reads more.
    if (synced && wall_ms >= (int64_t{1} << 40)) return static_cast<uint64_t>(wall_ms);
    return 1 + random % (kUnsyncedRange - 1);
}

}  // namespace gw::store
