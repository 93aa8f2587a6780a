// gw-bench-fleet [--gateways 50,100,200] [--seconds S] [--speedup X]
//                [--telemetry-s S] [--event-s S] [--points P] [--drain-s S]
//                [--brokers mosquitto[,rabbitmq]] [--broker URI[,URI...]]
// A district's fleet against one broker: N simulated gateways in one process,
// each with its OWN Store (its own SQLite file) and its OWN Uplink (Paho
// underneath, as in gatewayd), publishing events and telemetry at field rates
// to the broker, and one center (a Paho subscriber in a separate process, so
// its CPU is not counted as the gateways') that dedupes by event id and
// stamps every arrival on the host's monotonic clock.
//
// Load: every gateway sends a telemetry batch of --points samples every
// --telemetry-s seconds (+-10 % jitter, random phase) and an alarm event
// every --event-s seconds on average (exponential gaps). --speedup X divides
// both intervals, so a short run carries X times the field load.
//
// Brokers: `mosquitto` (started here on a free loopback port), `rabbitmq` (a
// three-node cluster started here, tests/support/rabbitmq.hpp; the gateways
// are spread over the nodes, the center is on node 0; slow to boot), and
// --broker URI[,URI...] ("external": an already running broker, e.g. the
// cluster of tools/cluster; gateways are spread over the URIs). Each N runs in
// a fresh child process, so its CPU and RSS are its own.
//
// Per broker B and N, keys fleet.B.nN.*:
//   offered_per_s        messages (events + telemetry) the stores accepted per s
//   delivered_per_s      unique messages arriving at the center per s of load
//   latency_p50_ms/p99   event created (before Store::append) -> center arrival
//   cpu_pct_per_gateway  process CPU time during the load / N / wall, percent
//   cpu_us_per_msg       the same CPU per accepted message
//   rss_mb_per_gateway   process RSS growth (before the gateways -> end of load) / N
//   lost                 events accepted by a store that never reached the
//                        center after the drain (stores empty + 2 s quiet): must be 0
//   duplicates           events that arrived more than once (at-least-once)
// ending with fleet.gateways N and fleet.lost N of the largest N (summed over
// the brokers). The exit status is 1 if anything was lost.
#include <dirent.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "bench_cli.hpp"
#include "bench_util.hpp"
#include "contract/contract.hpp"
#include "core/clock.hpp"
#include "core/event_id.hpp"
#include "core/log.hpp"
#include "store/store.hpp"
#include "support/mosquitto.hpp"
#include "support/rabbitmq.hpp"
#include "support/temp_dir.hpp"
#include "uplink/uplink.hpp"

namespace {

using std::chrono::steady_clock;
namespace contract = gw::contract;

struct Options {
    std::vector<int> gateways{50, 100, 200};
    double seconds = 60;
    double speedup = 10;
    double telemetry_s = 10;
    double event_s = 60;
    int points = 20;
    double drain_s = 120;
    std::vector<std::string> brokers{"mosquitto"};
    std::vector<std::string> external;  // --broker URIs
};

// One broker to run the sweep against: the URIs the gateways are spread over.
struct Target {
    std::string label;
    std::vector<std::string> uris;
    pid_t pid = -1;  // the broker's process, when started here as one process
};

int64_t mono_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               steady_clock::now().time_since_epoch())
        .count();
}

// ---- the center: a separate process ----------------------------------------

// What the center wrote for each message it got: kind ('E' event, 'T'
// telemetry), key (event id, or gateway/batch) and arrival time.
struct Arrival {
    char kind;
    std::string key;
    int64_t us;
};

// The key the gateways and the center agree on, from one message.
bool key_of(const std::string& topic, const std::string& payload, Arrival& a) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded()) return false;
    if (topic.size() > 6 && topic.compare(topic.size() - 6, 6, "/event") == 0) {
        a.kind = 'E';
        a.key = j.value("id", "");
        return !a.key.empty();
    }
    if (topic.size() > 10 && topic.compare(topic.size() - 10, 10, "/telemetry") == 0 &&
        j.contains("samples") && !j["samples"].empty()) {
        a.kind = 'T';
        a.key = j.value("gateway", "") + "/" + std::to_string(j["samples"][0].value("value", -1.0));
        return true;
    }
    return false;
}

// Child: subscribes to prefix/# at QoS 1, says ready on `ready_fd`, collects
// until `stop_fd` reads, then until 2 s pass without a message (or drain_s),
// and writes one line per message to `out`.
[[noreturn]] void center_main(const std::string& uri, const std::string& prefix, int ready_fd,
                              int stop_fd, const std::string& out, double drain_s) {
    struct Raw {
        std::string topic, payload;
        int64_t us;
    };
    std::mutex m;
    std::vector<Raw> raw;
    std::atomic<int64_t> last_us{mono_us()};
    int code = 1;
    try {
        mqtt::async_client cli(uri, "fleet-center-" + std::to_string(::getpid()),
                               static_cast<mqtt::iclient_persistence*>(nullptr));
        cli.set_message_callback([&](mqtt::const_message_ptr msg) {
            const int64_t now = mono_us();
            last_us = now;
            std::lock_guard<std::mutex> l(m);
            raw.push_back({msg->get_topic(), msg->to_string(), now});
        });
        mqtt::connect_options opts;
        opts.set_clean_session(true);
        opts.set_keep_alive_interval(30);
        cli.connect(opts)->wait();
        cli.subscribe(prefix + "/#", 1)->wait();
        if (::write(ready_fd, "R", 1) != 1) ::_exit(1);
        char c;
        while (::read(stop_fd, &c, 1) < 0 && errno == EINTR) {
        }
        const int64_t deadline = mono_us() + static_cast<int64_t>(drain_s * 1e6);
        while (mono_us() - last_us.load() < 2000000 && mono_us() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        cli.disconnect()->wait();
        std::ofstream f(out);
        std::lock_guard<std::mutex> l(m);
        for (const auto& r : raw) {
            Arrival a;
            if (key_of(r.topic, r.payload, a)) f << a.kind << ' ' << a.key << ' ' << r.us << '\n';
        }
        code = f.good() ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fleet center: %s\n", e.what());
    }
    std::fflush(nullptr);
    ::_exit(code);
}

class Center {
  public:
    // Forks the center; call before this process starts any thread.
    Center(const std::string& uri, const std::string& prefix, const std::string& out,
           double drain_s)
        : out_(out) {
        int ready[2], stop[2];
        if (::pipe(ready) != 0 || ::pipe(stop) != 0) throw std::runtime_error("pipe");
        std::fflush(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(ready[0]);
            ::close(stop[1]);
            center_main(uri, prefix, ready[1], stop[0], out, drain_s);
        }
        ::close(ready[1]);
        ::close(stop[0]);
        ready_fd_ = ready[0];
        stop_fd_ = stop[1];
    }
    ~Center() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(ready_fd_);
        ::close(stop_fd_);
    }
    bool ready(int timeout_ms) {
        pollfd p{ready_fd_, POLLIN, 0};
        char c;
        return ::poll(&p, 1, timeout_ms) == 1 && ::read(ready_fd_, &c, 1) == 1;
    }
    // Tells the center the stores are empty; waits for its file.
    std::vector<Arrival> finish() {
        if (::write(stop_fd_, "S", 1) != 1) return {};
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
        std::vector<Arrival> out;
        std::ifstream f(out_);
        Arrival a;
        while (f >> a.kind >> a.key >> a.us) out.push_back(a);
        return out;
    }

  private:
    std::string out_;
    pid_t pid_ = -1;
    int ready_fd_ = -1, stop_fd_ = -1;
};

// ---- the gateways -----------------------------------------------------------

struct Gateway {
    contract::Origin origin;
    std::unique_ptr<gw::Store> store;
    std::unique_ptr<gw::EventIdSource> ids;
    std::unique_ptr<gw::Uplink> uplink;
    int64_t batches = 0;
};

std::unique_ptr<Gateway> make_gateway(int i, const std::string& dir, const Target& target,
                                      const std::string& prefix, gw::Clock& clock, gw::Log& log) {
    char site[32], gwid[32];
    std::snprintf(site, sizeof site, "site-%04d", i);
    std::snprintf(gwid, sizeof gwid, "gw-%04d", i);
    auto g = std::make_unique<Gateway>();
    g->origin = {site, gwid};
    gw::StoreOptions so;
    // A directory of its own, as on a real gateway: the store's boot counter
    // lives next to its file.
    const std::string home = dir + "/" + gwid;
    if (::mkdir(home.c_str(), 0700) != 0) throw std::runtime_error("mkdir " + home);
    so.path = home + "/store.db";
    auto store = gw::Store::open(so, clock, log);
    if (!store) throw std::runtime_error("store " + so.path + ": " + store.error());
    g->store = std::move(*store);
    g->ids = std::make_unique<gw::EventIdSource>(gwid, g->store->boot());
    gw::UplinkConfig uc;
    // Spread over the cluster's nodes, each gateway failing over to the next.
    const size_t n = target.uris.size();
    for (size_t k = 0; k < n; ++k) uc.brokers.push_back(target.uris[(size_t(i) + k) % n]);
    uc.topic_prefix = prefix;
    uc.client_id = prefix + "-" + site + "-" + gwid;
    g->uplink = std::make_unique<gw::Uplink>(
        uc, contract::make_topics(prefix, site, gwid), g->origin,
        contract::GatewayStatus{"fleet-bench", g->store->boot(), "h", true, 0}, *g->store, clock,
        log);
    if (auto s = g->uplink->start(); !s) throw std::runtime_error("uplink: " + s.error());
    return g;
}

std::string event_payload(const Gateway& g, const std::string& id, int64_t t_ms) {
    gw::Event e;
    e.id = id;
    e.detector = "flood-1";
    e.kind = "flood";
    e.type = "water_depth";
    e.severity = gw::Severity::alarm;
    e.t_ms = t_ms;
    e.value = 31.5;
    e.unit = "cm";
    e.message = "water depth 31.5 cm above the alarm level of 30 cm at the underpass";
    e.details = {{"level", "alarm"}, {"rate_cm_min", 1.2}};
    return contract::encode_event(e, g.origin, true);
}

// A batch's first sample is its number: the center's key for it.
std::string telemetry_payload(Gateway& g, int points, int64_t t_ms, std::mt19937& rng) {
    std::uniform_real_distribution<double> v(0, 100);
    std::vector<gw::Sample> s;
    s.push_back({"batch", static_cast<double>(g.batches), gw::Quality::good, t_ms});
    for (int p = 1; p < points; ++p)
        s.push_back({"p" + std::to_string(p), v(rng), gw::Quality::good, t_ms});
    return contract::encode_telemetry(s, g.origin, true);
}

struct Pending {
    char kind;
    std::string key;
    int64_t created_us;
    std::future<gw::Status> done;
};

struct Due {
    int64_t us;
    int gateway;
    char kind;
    bool operator>(const Due& o) const { return us > o.us; }
};

int count_fds() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (::readdir(d)) ++n;
        ::closedir(d);
    }
    return n - 2;
}

enum Figure {
    kOffered,
    kDelivered,
    kP50,
    kP99,
    kMax,
    kCpuPct,
    kCpuUs,
    kRssMb,
    kLost,
    kDup,
    kTelLost,
    kTelDup,
    kEvents,
    kTelemetry,
    kThreads,
    kFds,
    kConnectS,
    kDrainS,
    kBrokerCpuPct,
    kBrokerCpuUs,
    kBrokerRssMb,
    kCount
};

// Child: one fleet of n gateways against `target`; the figures above, in order.
std::vector<double> run_fleet(int n, const Target& target, const Options& o,
                              const std::string& dir) {
    const std::string prefix = "fleet" + std::to_string(n) + "p" + std::to_string(::getpid());
    Center center(target.uris.front(), prefix, dir + "/center.txt", o.drain_s);
    if (!center.ready(120000)) throw std::runtime_error("the center did not subscribe");
    gw::SystemClock clock;
    gw::Log log(gw::LogLevel::error);
    const double rss0 = gw::bench::rss_mb("VmRSS");

    const int64_t c0 = mono_us();
    std::vector<std::unique_ptr<Gateway>> fleet;
    for (int i = 0; i < n; ++i) fleet.push_back(make_gateway(i, dir, target, prefix, clock, log));
    for (int64_t deadline = mono_us() + 120000000; mono_us() < deadline;) {
        if (std::all_of(fleet.begin(), fleet.end(),
                        [](const auto& g) { return g->uplink->state().connected; }))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const double connect_s = double(mono_us() - c0) / 1e6;

    // The schedule: every gateway's next telemetry batch and next event.
    std::mt19937 rng(static_cast<unsigned>(n));
    const double tel_us = o.telemetry_s * 1e6 / o.speedup, ev_us = o.event_s * 1e6 / o.speedup;
    std::uniform_real_distribution<double> phase(0, 1), jitter(0.9, 1.1);
    std::exponential_distribution<double> gap(1.0 / ev_us);
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due;
    const int64_t t0 = mono_us(), t_end = t0 + static_cast<int64_t>(o.seconds * 1e6);
    for (int i = 0; i < n; ++i) {
        due.push({t0 + static_cast<int64_t>(phase(rng) * tel_us), i, 'T'});
        due.push({t0 + static_cast<int64_t>(gap(rng)), i, 'E'});
    }
    const double cpu0 = gw::bench::cpu_seconds();
    const std::string broker_stat = "/proc/" + std::to_string(target.pid) + "/stat";
    const double broker_cpu0 = target.pid > 0 ? gw::bench::stat_cpu(broker_stat) : -1;
    std::deque<Pending> pending;
    std::unordered_map<std::string, int64_t> events;  // accepted: id -> created
    std::unordered_set<std::string> telemetry;        // accepted batches
    int64_t failed = 0;
    auto settle = [&](Pending& p) {
        if (p.done.get().ok()) {
            if (p.kind == 'E')
                events.emplace(p.key, p.created_us);
            else
                telemetry.insert(p.key);
        } else {
            ++failed;
        }
    };
    while (!due.empty() && due.top().us < t_end) {
        const Due d = due.top();
        due.pop();
        const int64_t now = mono_us();
        if (d.us > now) std::this_thread::sleep_for(std::chrono::microseconds(d.us - now));
        Gateway& g = *fleet[static_cast<size_t>(d.gateway)];
        const int64_t created = mono_us(), t_ms = clock.now_ms();
        if (d.kind == 'E') {
            std::string id = g.ids->next();
            std::string payload = event_payload(g, id, t_ms);
            pending.push_back({'E', id, created,
                               g.store->append_async(gw::Lane::alarm, t_ms, contract::kEventRoute,
                                                     std::move(payload))});
            due.push({d.us + static_cast<int64_t>(gap(rng)) + 1, d.gateway, 'E'});
        } else {
            std::string key = g.origin.gateway + "/" + std::to_string(double(g.batches));
            pending.push_back(
                {'T', key, created,
                 g.store->append_async(gw::Lane::telemetry, t_ms, contract::kTelemetryRoute,
                                       telemetry_payload(g, o.points, t_ms, rng))});
            ++g.batches;
            due.push({d.us + static_cast<int64_t>(tel_us * jitter(rng)), d.gateway, 'T'});
        }
        while (!pending.empty() && pending.front().done.wait_for(std::chrono::seconds(0)) ==
                                       std::future_status::ready) {
            settle(pending.front());
            pending.pop_front();
        }
    }
    const int64_t t1 = mono_us();
    const double cpu = gw::bench::cpu_seconds() - cpu0;
    const double broker_cpu = target.pid > 0 ? gw::bench::stat_cpu(broker_stat) - broker_cpu0 : -1;
    const double broker_rss =
        target.pid > 0 ? gw::bench::rss_mb("VmRSS", std::to_string(target.pid)) : -1;
    const double rss = gw::bench::rss_mb("VmRSS");
    const double threads = gw::bench::status_number("Threads", "/proc/self/status");
    const double fds = count_fds();
    for (auto& p : pending) settle(p);

    // Drain: every store empty (each row PUBACKed), then the center's quiet.
    const int64_t d0 = mono_us(), d_end = d0 + static_cast<int64_t>(o.drain_s * 1e6);
    while (mono_us() < d_end) {
        if (std::all_of(fleet.begin(), fleet.end(), [](const auto& g) {
                const auto s = g->store->stats();
                return s.alarm.rows + s.telemetry.rows == 0;
            }))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double drain_s = double(mono_us() - d0) / 1e6;
    const std::vector<Arrival> arrivals = center.finish();
    for (auto& g : fleet) g->uplink->stop();
    fleet.clear();

    std::unordered_set<std::string> seen_events, seen_tel;
    std::vector<double> latency_ms;
    int64_t dup = 0, tel_dup = 0, in_window = 0;
    for (const auto& a : arrivals) {
        if (a.us >= t0 && a.us <= t1 && (events.count(a.key) || telemetry.count(a.key)))
            ++in_window;
        if (a.kind == 'E') {
            const auto it = events.find(a.key);
            if (it == events.end()) continue;  // not accepted here: not ours
            if (!seen_events.insert(a.key).second) {
                ++dup;
                continue;
            }
            latency_ms.push_back(double(a.us - it->second) / 1000.0);
        } else if (telemetry.count(a.key) && !seen_tel.insert(a.key).second) {
            ++tel_dup;
        }
    }
    const double wall = double(t1 - t0) / 1e6;
    const double accepted = double(events.size() + telemetry.size());
    if (failed) std::fprintf(stderr, "fleet: %lld appends failed\n", (long long)failed);
    std::vector<double> f(kCount);
    f[kOffered] = accepted / wall;
    f[kDelivered] = double(in_window) / wall;
    f[kP50] = gw::bench::percentile(latency_ms, 50);
    f[kP99] = gw::bench::percentile(latency_ms, 99);
    f[kMax] = gw::bench::percentile(latency_ms, 100);
    f[kCpuPct] = cpu / wall / n * 100.0;
    f[kCpuUs] = accepted > 0 ? cpu / accepted * 1e6 : 0;
    f[kRssMb] = (rss - rss0) / n;
    f[kLost] = double(events.size() - seen_events.size());
    f[kDup] = double(dup);
    f[kTelLost] = double(telemetry.size() - seen_tel.size());
    f[kTelDup] = double(tel_dup);
    f[kEvents] = double(events.size());
    f[kTelemetry] = double(telemetry.size());
    f[kThreads] = threads;
    f[kFds] = fds;
    f[kConnectS] = connect_s;
    f[kDrainS] = drain_s;
    f[kBrokerCpuPct] = broker_cpu >= 0 ? broker_cpu / wall * 100.0 : -1;
    f[kBrokerCpuUs] = broker_cpu >= 0 && accepted > 0 ? broker_cpu / accepted * 1e6 : -1;
    f[kBrokerRssMb] = broker_rss;
    return f;
}

void report(const std::string& p, const std::vector<double>& f) {
    using gw::bench::line;
    line(p + ".offered_per_s", f[kOffered], "msgs/s");
    line(p + ".delivered_per_s", f[kDelivered], "msgs/s");
    line(p + ".latency_p50_ms", f[kP50], "ms");
    line(p + ".latency_p99_ms", f[kP99], "ms");
    line(p + ".latency_max_ms", f[kMax], "ms");
    gw::bench::line3(p + ".cpu_pct_per_gateway", f[kCpuPct], "%");
    line(p + ".cpu_us_per_msg", f[kCpuUs], "us");
    gw::bench::line3(p + ".rss_mb_per_gateway", f[kRssMb], "MiB");
    line(p + ".events", f[kEvents], "events");
    line(p + ".telemetry", f[kTelemetry], "batches");
    line(p + ".lost", f[kLost], "events");
    line(p + ".duplicates", f[kDup], "events");
    line(p + ".telemetry_lost", f[kTelLost], "batches");
    line(p + ".telemetry_duplicates", f[kTelDup], "batches");
    line(p + ".threads", f[kThreads], "threads");
    line(p + ".fds", f[kFds], "fds");
    line(p + ".connect_s", f[kConnectS], "s");
    line(p + ".drain_s", f[kDrainS], "s");
    if (f[kBrokerCpuPct] >= 0) {  // a broker process of our own (mosquitto)
        line(p + ".broker_cpu_pct", f[kBrokerCpuPct], "%");
        line(p + ".broker_cpu_us_per_msg", f[kBrokerCpuUs], "us");
        line(p + ".broker_rss_mb", f[kBrokerRssMb], "MiB");
    }
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

Options parse(int argc, char** argv) {
    Options o;
    CLI::App app{"gw-bench-fleet: a district's fleet of gateways against one broker"};
    app.add_option("--gateways", o.gateways, "fleet sizes to sweep, e.g. 50,100,200")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    app.add_option("--seconds", o.seconds, "simulated seconds per size")
        ->check(CLI::Range(1.0, 1e6));
    app.add_option("--speedup", o.speedup, "simulated time per real time")
        ->check(CLI::Range(0.01, 1e4));
    app.add_option("--telemetry-s", o.telemetry_s, "a gateway's telemetry period")
        ->check(CLI::Range(0.01, 1e6));
    app.add_option("--event-s", o.event_s, "a gateway's mean time between events")
        ->check(CLI::Range(0.01, 1e6));
    app.add_option("--points", o.points, "points per telemetry batch")
        ->check(CLI::Range(1, 100000));
    app.add_option("--drain-s", o.drain_s, "at most this long to drain after the run")
        ->check(CLI::Range(5.0, 1e6));
    std::string brokers, external;
    app.add_option("--brokers", brokers, "brokers started here, e.g. mosquitto,nats,rabbitmq");
    app.add_option("--broker", external, "URIs of a broker already running (comma separated)");
    gw::bench::parse_or_exit(app, argc, argv);
    if (!brokers.empty()) o.brokers = split(brokers);
    if (!external.empty()) o.external = split(external);
    if (!o.external.empty() && o.brokers == std::vector<std::string>{"mosquitto"})
        o.brokers.clear();  // --broker alone: only the given one
    return o;
}

// Each process gets the hard limit of descriptors: every gateway holds a
// socket and its SQLite files (two connections, WAL and shm).
void raise_fd_limit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

int run(const Options& o) {
    raise_fd_limit();
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    gw::bench::line("fleet.loadavg_start", gw::bench::loadavg_1m(), "load");
    gw::bench::line("fleet.nofile_limit", double(r.rlim_cur), "fds");
    gw::bench::line("fleet.speedup", o.speedup, "x");
    gw::bench::line("fleet.telemetry_interval_s", o.telemetry_s, "s");
    gw::bench::line("fleet.event_interval_s", o.event_s, "s");
    gw::bench::line("fleet.seconds", o.seconds, "s");
    gw::test::TempDir dir;
    std::unique_ptr<gw::test::Mosquitto> mosquitto;
    std::unique_ptr<gw::test::RabbitCluster> rabbit;
    std::vector<Target> targets;
    for (const auto& b : o.brokers) {
        if (b == "mosquitto") {
            mosquitto = std::make_unique<gw::test::Mosquitto>(dir.path(), "mosquitto");
            mosquitto->start();
            targets.push_back({"mosquitto", {mosquitto->uri()}, mosquitto->pid()});
        } else if (b == "rabbitmq") {
            if (!gw::test::rabbitmq_installed())
                throw std::runtime_error("rabbitmq-server is not installed (tools/setup)");
            rabbit = std::make_unique<gw::test::RabbitCluster>(dir.path(), 3);
            rabbit->start();
            targets.push_back({"rabbitmq", rabbit->uris(), -1});
        } else {
            throw std::runtime_error("unknown broker " + b + " (mosquitto, rabbitmq)");
        }
    }
    if (!o.external.empty()) targets.push_back({"external", o.external, -1});

    const int largest = *std::max_element(o.gateways.begin(), o.gateways.end());
    double lost_total = 0, lost_largest = 0;
    for (const auto& t : targets)
        for (int n : o.gateways) {
            const std::string sub = dir.file(t.label + "-n" + std::to_string(n));
            if (::mkdir(sub.c_str(), 0700) != 0) throw std::runtime_error("mkdir " + sub);
            // The machine's load before the run: during it the load average
            // also counts this fleet's own threads (store writers in fsync).
            const double load_before = gw::bench::loadavg_1m();
            const auto f = gw::bench::in_child([&] {
                try {
                    return run_fleet(n, t, o, sub);
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "fleet %s n=%d: %s\n", t.label.c_str(), n, e.what());
                    return std::vector<double>{};
                }
            });
            if (f.size() != kCount)
                throw std::runtime_error("the fleet of " + std::to_string(n) + " on " + t.label +
                                         " failed");
            const std::string prefix = "fleet." + t.label + ".n" + std::to_string(n);
            report(prefix, f);
            gw::bench::line(prefix + ".loadavg_before", load_before, "load");
            gw::bench::line(prefix + ".loadavg_after", gw::bench::loadavg_1m(), "load");
            lost_total += f[kLost];
            if (n == largest) lost_largest += f[kLost];
        }
    gw::bench::line("fleet.loadavg_end", gw::bench::loadavg_1m(), "load");
    gw::bench::line("fleet.gateways", largest, "gateways");
    gw::bench::line("fleet.lost", lost_largest, "events");
    return lost_total == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gw-bench-fleet: %s\n", e.what());
        return 1;
    }
}
