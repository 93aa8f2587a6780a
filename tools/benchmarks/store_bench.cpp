// gw-bench-store [--pairs N] [--events N] [--batches B1,B2,...]
// Durable ingest through the Store (group commit, WAL, synchronous=FULL, 4
// producer threads) against the best raw SQLite can do with the same
// durability: one thread, the same table and payloads, WAL + FULL, rows
// inserted with one prepared statement and committed in batches. Every batch
// size in --batches (plus the store's own rows per commit) is tried first,
// two alternating rounds each, and the fastest is the baseline; then
// baseline and store run in alternating pairs (AB BA ...), each in a fresh
// child process and a fresh file, and the ratio is the median of the
// per-pair ratios.
//   store.ingest_per_s            events/s acknowledged durable to producers
//   store.raw_sqlite_per_s        rows/s, the baseline, at store.raw_sqlite_batch
//   store.bytes_written_per_event /proc/self/io write_bytes per event (incl. checkpoint)
#include <sqlite3.h>

#include <cstdlib>
#include <deque>
#include <future>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench_cli.hpp"
#include "bench_util.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace {

constexpr int kProducers = 4;
constexpr size_t kOutstanding = 512;  // futures each producer keeps open

struct Options {
    int pairs = 6;
    int events = 100000;
    std::vector<int> batches{500, 2000, 10000};
};

std::vector<std::string> make_payloads() {
    std::vector<std::string> p;
    p.reserve(1024);
    for (int i = 0; i < 1024; ++i) p.push_back(gw::bench::event_payload(i));
    return p;
}

// The Store, built in one place: its constructor and options change often.
gw::Result<std::unique_ptr<gw::Store>> open_store(const std::string& path, gw::Clock& clock,
                                                  gw::Log& log) {
    gw::StoreOptions o;
    o.path = path;
    o.commit_window_ms = 5;
    return gw::Store::open(o, clock, log);
}

// Child: returns {events/s, bytes written per event, events per commit}.
std::vector<double> store_run(const std::string& path, int events) {
    gw::SystemClock clock;
    gw::Log log(gw::LogLevel::warn);
    const auto payloads = make_payloads();
    const int64_t io0 = gw::bench::write_bytes();
    double seconds;
    int64_t commits;
    int failures = 0;
    {
        auto store = open_store(path, clock, log);
        if (!store) {
            std::fprintf(stderr, "%s\n", store.error().c_str());
            return {};
        }
        auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> producers;
        std::vector<int> failed(kProducers, 0);
        for (int p = 0; p < kProducers; ++p)
            producers.emplace_back([&, p] {
                std::deque<std::future<gw::Status>> open;
                for (int i = p; i < events; i += kProducers) {
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
        seconds = gw::bench::seconds_since(t0);
        for (int f : failed) failures += f;
        commits = (*store)->stats().commits;
    }  // close: the final checkpoint's writes count too
    const int64_t io1 = gw::bench::write_bytes();
    if (failures) {
        std::fprintf(stderr, "%d appends failed\n", failures);
        return {};
    }
    return {events / seconds, double(io1 - io0) / events,
            double(events) / double(std::max<int64_t>(1, commits))};
}

// Child: raw SQLite with the store's durability, committing every `batch` rows.
std::vector<double> raw_sqlite(const std::string& path, int events, int batch) {
    const auto payloads = make_payloads();
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return {};
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE alarm(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                 " t_ms INTEGER NOT NULL, payload BLOB NOT NULL)",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO alarm(t_ms, payload) VALUES(?, ?)", -1, &ins, nullptr);
    int ok = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < events;) {
        sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        for (int k = 0; k < batch && i < events; ++k, ++i) {
            const std::string& p = payloads[static_cast<size_t>(i) % payloads.size()];
            sqlite3_bind_int64(ins, 1, i);
            sqlite3_bind_blob(ins, 2, p.data(), static_cast<int>(p.size()), SQLITE_STATIC);
            ok += sqlite3_step(ins) == SQLITE_DONE;
            sqlite3_reset(ins);
        }
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    const double s = gw::bench::seconds_since(t0);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    if (ok != events) return {};
    return {events / s};
}

Options parse(int argc, char** argv) {
    Options o;
    CLI::App app{"gw-bench-store: store commit rates, batching and bytes per event"};
    app.add_option("--pairs", o.pairs, "baseline/subject pairs (the median is reported)")
        ->check(CLI::Range(1, 1000));
    app.add_option("--events", o.events, "events per run")->check(CLI::Range(1000, 100000000));
    app.add_option("--batches", o.batches, "telemetry batch sizes, e.g. 500,2000")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    gw::bench::parse_or_exit(app, argc, argv);
    return o;
}

int run(const Options& opt) {
    gw::bench::line("store.loadavg_start", gw::bench::loadavg_1m(), "load");
    gw::test::TempDir dir;
    int n = 0;
    auto fresh = [&] {
        const std::string p = dir.file("db-" + std::to_string(n++));
        return p;
    };
    auto drop = [](const std::string& p) {
        for (const char* suffix : {"", "-wal", "-shm"}) std::remove((p + suffix).c_str());
    };
    std::vector<double> bytes_per_event, per_commit;
    auto store_rate = [&] {
        const std::string p = fresh();
        auto r = gw::bench::in_child([&] { return store_run(p, opt.events); });
        drop(p);
        if (r.size() != 3) throw std::runtime_error("the store run failed");
        bytes_per_event.push_back(r[1]);
        per_commit.push_back(r[2]);
        return r[0];
    };
    auto raw_rate = [&](int batch) {
        const std::string p = fresh();
        auto r = gw::bench::in_child([&] { return raw_sqlite(p, opt.events, batch); });
        drop(p);
        if (r.empty()) throw std::runtime_error("raw SQLite failed");
        return r[0];
    };

    // The strongest baseline: each batch size twice, in alternating order,
    // including the store's own rows per commit.
    std::vector<int> batches = opt.batches;
    store_rate();  // learns the store's batch size (not counted in the pairs)
    batches.push_back(std::max(1, static_cast<int>(per_commit.back())));
    bytes_per_event.clear();
    per_commit.clear();
    std::vector<std::vector<double>> per_batch(batches.size());
    for (int round = 0; round < 2; ++round)
        for (size_t k = 0; k < batches.size(); ++k) {
            const size_t i = round % 2 == 0 ? k : batches.size() - 1 - k;
            per_batch[i].push_back(raw_rate(batches[i]));
        }
    int best_batch = batches.front();
    double best = 0;
    for (size_t i = 0; i < batches.size(); ++i) {
        const double med = gw::bench::spread(per_batch[i]).median;
        gw::bench::line("store.raw_sqlite_b" + std::to_string(batches[i]) + "_per_s", med,
                        "rows/s");
        if (med > best) {
            best = med;
            best_batch = batches[i];
        }
    }

    const auto pairs = gw::bench::alternate(
        opt.pairs, [&] { return raw_rate(best_batch); }, store_rate, "store");
    gw::bench::report_pairs("store", "ingest_per_s", "raw_sqlite_per_s", "rows/s", pairs);
    const double payload = static_cast<double>(gw::bench::event_payload(0).size());
    const double bpe = gw::bench::spread(bytes_per_event).median;
    gw::bench::line("store.raw_sqlite_batch", best_batch, "rows");
    gw::bench::line("store.events", opt.events, "events");
    gw::bench::line("store.bytes_written_per_event", bpe, "bytes");
    gw::bench::line("store.payload_bytes_per_event", payload, "bytes");
    gw::bench::line("store.write_amplification", bpe / payload, "x");
    gw::bench::line("store.events_per_commit", gw::bench::spread(per_commit).median, "events");
    gw::bench::line("store.loadavg_end", gw::bench::loadavg_1m(), "load");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gw-bench-store: %s\n", e.what());
        return 1;
    }
}
