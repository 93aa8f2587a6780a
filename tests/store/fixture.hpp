#pragma once
// A store on a real file in a temp dir, and what tests do to such files.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace gw::test {

inline std::FILE* quiet() {
    static std::FILE* f = std::fopen("/dev/null", "w");
    return f;
}

struct StoreFixture {
    TempDir dir;
    ManualClock clock{1700000000000};
    Log log{LogLevel::error, quiet()};
    std::string path() const { return dir.file("store.db"); }
    StoreOptions opts() const {
        StoreOptions o;
        o.path = path();
        o.commit_window_ms = 1;
        return o;
    }
    std::unique_ptr<Store> open(const StoreOptions& o) {
        auto s = Store::open(o, clock, log);
        CHECK_TEXT(s.ok(), s.ok() ? "" : s.error().c_str());
        return std::move(*s);
    }
    std::unique_ptr<Store> open() { return open(opts()); }
};

// A JSON payload of about `size` bytes (salvage keeps only rows that parse).
inline std::string json_payload(const std::string& tag, int i, size_t size = 200) {
    std::string p = "{\"id\":\"" + tag + "-" + std::to_string(i) + "\",\"pad\":\"";
    if (p.size() + 2 < size) p.append(size - p.size() - 2, 'x');
    return p + "\"}";
}

inline std::vector<Record> all_rows(Store& s, Lane lane) {
    std::vector<Record> out;
    int64_t after = 0;
    for (;;) {
        auto page = s.read(lane, after, 100);
        CHECK(page.ok());
        if (page->empty()) return out;
        after = page->back().seq;
        for (auto& r : *page) out.push_back(std::move(r));
    }
}

// Pages of a table in a closed store file, from SQLite's dbstat: page
// number and cells (rows, on a leaf page).
inline std::vector<std::pair<int64_t, int64_t>> pages_of(const std::string& path,
                                                         const std::string& table,
                                                         const std::string& type) {
    auto db = sqlite::Db::open(path);
    CHECK(db.ok());
    auto st = db->prepare("SELECT pageno, ncell FROM dbstat WHERE name = '" + table +
                          "' AND pagetype = '" + type + "' ORDER BY pageno");
    CHECK_TEXT(st.ok(), st.ok() ? "" : st.error().c_str());
    std::vector<std::pair<int64_t, int64_t>> out;
    while (st->step() == SQLITE_ROW) out.push_back({st->int_at(0), st->int_at(1)});
    return out;
}

// Overwrites `length` bytes at `offset` with junk.
inline void damage(const std::string& path, off_t offset, size_t length) {
    int fd = ::open(path.c_str(), O_WRONLY);
    CHECK(fd >= 0);
    std::string junk(length, '\x07');
    CHECK(::pwrite(fd, junk.data(), junk.size(), offset) == static_cast<ssize_t>(junk.size()));
    ::close(fd);
}

inline void damage_page(const std::string& path, int64_t pageno) {
    damage(path, static_cast<off_t>((pageno - 1) * 4096), 4096);
}

inline unsigned mode_of(const std::string& path) {
    struct stat st {};
    CHECK_TEXT(::stat(path.c_str(), &st) == 0, path.c_str());
    return st.st_mode & 07777;
}

// A file system of its own, so the disk really fills (ENOSPC), unlike a
// page cap. Mounting needs root (CI runs as root); elsewhere the test
// prints SKIPPED and ctest reports it as skipped (SKIP_REGULAR_EXPRESSION).
struct SmallTmpfs {
    std::string dir;
    bool mounted = false;
    SmallTmpfs(std::string d, int mb) : dir(std::move(d)) {
        ::mkdir(dir.c_str(), 0700);
        mounted = run({"mount", "-t", "tmpfs", "-o", "size=" + std::to_string(mb) + "m",
                       "gw-store-test", dir})
                      .code == 0;
    }
    ~SmallTmpfs() {
        if (mounted) run({"umount", "-l", dir});
    }
};

}  // namespace gw::test
