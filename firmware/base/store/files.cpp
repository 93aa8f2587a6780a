#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/file_io.hpp"
#include "core/unique_fd.hpp"

namespace gw::store {
bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::optional<off_t> size_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return st.st_size;
}

Status prepare_db_file(const std::string& path) {
    // O_CREAT's mode is cut by the umask; fchmod is not.
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kFileMode));
    if (!fd) return fail(errno_text("cannot open", path));
    if (::fchmod(fd.get(), kFileMode) != 0) return fail(errno_text("cannot chmod", path));
    for (const char* suffix : {"-wal", "-shm"}) {
        const std::string side = path + suffix;
        if (::chmod(side.c_str(), kFileMode) != 0 && errno != ENOENT)
            return fail(errno_text("cannot chmod", side));
    }
    return Status::success();
}

Status move_aside(const std::string& path, const std::string& aside) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string from = path + suffix, to = aside + suffix;
        if (::rename(from.c_str(), to.c_str()) != 0) {
            if (errno == ENOENT) continue;
            if (*suffix == '\0') return fail(errno_text("cannot move aside", path));
            continue;  // a -wal/-shm that stays is replaced or ignored by SQLite
        }
        (void)::chmod(to.c_str(), kFileMode);
    }
    return Status::success();
}

void finish_move_aside(const std::string& path, const std::string& aside,
                       const std::string& marker) {
    if (exists(path)) return;  // its -wal/-shm are its own
    struct stat marked {};
    if (::stat(marker.c_str(), &marked) != 0) return;
    for (const char* suffix : {"-wal", "-shm"}) {
        struct stat st {};
        const std::string left = path + suffix;
        if (::stat(left.c_str(), &st) != 0 || exists(aside + suffix)) continue;
        if (st.st_mtim.tv_sec > marked.st_mtim.tv_sec ||
            (st.st_mtim.tv_sec == marked.st_mtim.tv_sec &&
             st.st_mtim.tv_nsec > marked.st_mtim.tv_nsec))
            continue;
        if (::rename(left.c_str(), (aside + suffix).c_str()) == 0)
            (void)::chmod((aside + suffix).c_str(), kFileMode);
    }
}

Status write_durably(const std::string& path, const std::string& text) {
    return replace_file_durably(path, text, kFileMode);
}

Status copy_file(const std::string& from, const std::string& to) {
    UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) return fail(errno_text("cannot open", from));
    UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kFileMode));
    if (!out) return fail(errno_text("cannot create", to));
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(errno_text("cannot read", from));
        if (n == 0) return Status::success();
        if (auto s = write_all(out.get(), std::string_view(buf, static_cast<size_t>(n)), to); !s)
            return s;
    }
}

std::vector<std::string> kept_copies(const std::string& db) {
    namespace fs = std::filesystem;
    const fs::path store(db);
    const std::string prefix = store.filename().string() + ".corrupt-";
    // (stamp, n): "...Z-10" after "...Z-9", which a sort by name would not give.
    std::vector<std::pair<std::pair<std::string, long>, std::string>> found;
    std::error_code ec;
    const fs::path dir = store.has_parent_path() ? store.parent_path() : fs::path(".");
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        std::string rest = name.substr(prefix.size());
        if (rest.size() >= 4 && (rest.compare(rest.size() - 4, 4, "-wal") == 0 ||
                                 rest.compare(rest.size() - 4, 4, "-shm") == 0))
            continue;
        long n = 1;
        if (const auto dash = rest.find('-'); dash != std::string::npos) {
            n = std::strtol(rest.c_str() + dash + 1, nullptr, 10);
            rest.resize(dash);
        }
        found.push_back({{rest, n}, (dir / name).string()});
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> out;
    for (auto& f : found) out.push_back(std::move(f.second));
    return out;
}

bool is_store_file(const std::string& path, const std::string& db) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path target = fs::absolute(path, ec).lexically_normal();
    if (ec || db.empty()) return false;
    const fs::path store = fs::absolute(db, ec).lexically_normal();
    if (ec || target.parent_path() != store.parent_path()) return false;
    const std::string name = target.filename().string();
    const std::string base = store.filename().string();
    for (const char* suffix : {"", "-wal", "-shm", "-journal", ".salvaging", ".lock", "-reserve"})
        if (name == base + suffix) return true;
    return name == "boot.count" || name.rfind(base + ".corrupt-", 0) == 0;
}

}  // namespace gw::store
