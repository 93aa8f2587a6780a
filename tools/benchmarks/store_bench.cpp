// gw-bench-store: durable ingest through the Store (group commit, WAL,
// synchronous=FULL) against raw batched SQLite inserts in the same run.
//   store.ingest_per_s            events/s acknowledged durable to producers
//   store.raw_sqlite_per_s        rows/s, one thread, same batch size as the store's commits
//   store.bytes_written_per_event /proc/self/io write_bytes per event (incl. checkpoint)
#include <sqlite3.h>

#include <deque>
#include <future>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace {

constexpr int kEvents = 200000;
constexpr int kProducers = 4;
constexpr size_t kOutstanding = 512;  // futures each producer keeps open

double raw_sqlite(const std::string& path, const std::string& payload, int batch) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(
        db,
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        "CREATE TABLE q(seq INTEGER PRIMARY KEY AUTOINCREMENT, t_ms INTEGER, payload BLOB)",
        nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO q(t_ms, payload) VALUES(?, ?)", -1, &ins, nullptr);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kEvents;) {
        sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
        for (int k = 0; k < batch && i < kEvents; ++k, ++i) {
            sqlite3_bind_int64(ins, 1, i);
            sqlite3_bind_blob(ins, 2, payload.data(), static_cast<int>(payload.size()),
                              SQLITE_STATIC);
            sqlite3_step(ins);
            sqlite3_reset(ins);
        }
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    double s = gw::bench::seconds_since(t0);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return kEvents / s;
}

}  // namespace

int main() {
    gw::test::TempDir dir;
    gw::SystemClock clock;
    gw::Log log(gw::LogLevel::warn);
    std::vector<std::string> payloads;
    payloads.reserve(1024);
    for (int i = 0; i < 1024; ++i) payloads.push_back(gw::bench::event_payload(i));
    const double payload_bytes = static_cast<double>(payloads[0].size());

    gw::StoreOptions o;
    o.path = dir.file("store.db");
    o.commit_window_ms = 5;
    const int64_t io0 = gw::bench::write_bytes();
    double ingest_s;
    int64_t commits;
    int failures = 0;
    {
        auto store = gw::Store::open(o, clock, log);
        if (!store) {
            std::fprintf(stderr, "%s\n", store.error().c_str());
            return 1;
        }
        auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> producers;
        std::vector<int> failed(kProducers, 0);
        for (int p = 0; p < kProducers; ++p)
            producers.emplace_back([&, p] {
                std::deque<std::future<gw::Status>> open;
                for (int i = p; i < kEvents; i += kProducers) {
                    if (open.size() >= kOutstanding) {
                        failed[p] += !open.front().get().ok();
                        open.pop_front();
                    }
                    open.push_back((*store)->append_async(gw::Lane::alarm, i,
                                                          gw::contract::kEventRoute,
                                                          payloads[i % payloads.size()]));
                }
                for (auto& f : open) failed[p] += !f.get().ok();
            });
        for (auto& t : producers) t.join();
        ingest_s = gw::bench::seconds_since(t0);
        for (int f : failed) failures += f;
        commits = (*store)->stats().commits;
    }  // close: the final checkpoint's writes count too
    const int64_t io1 = gw::bench::write_bytes();
    if (failures) std::fprintf(stderr, "%d appends failed\n", failures);
    const int avg_batch = static_cast<int>(kEvents / std::max<int64_t>(1, commits));

    gw::bench::line("store.ingest_per_s", kEvents / ingest_s, "events/s");
    gw::bench::line("store.raw_sqlite_per_s",
                    raw_sqlite(dir.file("raw.db"), payloads[0], avg_batch), "rows/s");
    gw::bench::line("store.bytes_written_per_event", double(io1 - io0) / kEvents, "bytes");
    gw::bench::line("store.payload_bytes_per_event", payload_bytes, "bytes");
    gw::bench::line("store.write_amplification", double(io1 - io0) / kEvents / payload_bytes, "x");
    gw::bench::line("store.events_per_commit", avg_batch, "events");
    return failures ? 1 : 0;
}
