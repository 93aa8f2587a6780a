#include "site.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <unordered_set>

#include "control/control_client.hpp"

namespace gw::soak {

using nlohmann::json;

std::string control_socket(const GatewaySetup& s) {
    return s.data_dir + "/ctl.sock";
}

std::string gateway_config(const GatewaySetup& s) {
    std::string points;
    for (const char* p : {"t", "h", "l"})
        points += std::string("[[points]]\nid = \"probe_") + p +
                  "\"\ndevice = \"probe\"\nfield = \"" + p +
                  "\"\nreport_ms = " + std::to_string(s.report_ms) + "\n\n";
    return "[gateway]\ndistrict = \"soak\"\nsite = \"s1\"\nid = \"gw1\"\ndata_dir = \"" +
           s.data_dir + "\"\nlog_level = \"info\"\n\n[uplink]\nbrokers = [\"" + s.broker_uri +
           "\"]\nreconnect_min_ms = 100\nreconnect_max_ms = 500\ntelemetry_batch_max = 50\n\n"
           "[control]\nsocket = \"" +
           control_socket(s) + "\"\n\n[[serial_ports]]\nid = \"probe\"\ndevice = \"" +
           s.serial_device +
           "\"\nbaud = 115200\npattern = 'T=(?<t>[-0-9.]+),H=(?<h>[0-9.]+),L=(?<l>[0-9]+)'\n\n" +
           points;
}

void Ledger::accepted(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    ids_.push_back(id);
}

void Ledger::refused(const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex_);
    refusals_[why]++;
}

std::vector<std::string> Ledger::accepted_ids() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ids_;
}

size_t Ledger::accepted_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ids_.size();
}

std::map<std::string, int> Ledger::refusals() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return refusals_;
}

InjectOutcome inject(const std::string& socket, const std::string& severity, size_t message_bytes,
                     Ledger& ledger, int timeout_ms) {
    std::string message = "soak event";
    if (message.size() < message_bytes) message.append(message_bytes - message.size(), '.');
    ControlError err{};
    auto r = ControlClient(socket, timeout_ms)
                 .call({{"cmd", "inject"},
                        {"type", kEventType},
                        {"kind", "system"},
                        {"detector", "soak"},
                        {"severity", severity},
                        {"message", message}},
                       &err);
    if (r && r->contains("id")) {
        ledger.accepted((*r)["id"].get<std::string>());
        return InjectOutcome::accepted;
    }
    if (!r && err.kind == ControlError::Kind::refused) {
        ledger.refused(err.message);
        return InjectOutcome::refused;
    }
    return InjectOutcome::daemon_gone;  // killed, or not up: the event is not accepted
}

Injectors::Injectors(std::string socket, Ledger& ledger, int threads)
    : socket_(std::move(socket)), ledger_(ledger) {
    for (int i = 0; i < threads; ++i)
        threads_.emplace_back([this, i] {
            // Mostly alarms, some info events: both go to the never-evicted lane.
            for (int n = 0; !stop_; ++n)
                if (inject(socket_, (n + i) % 4 == 0 ? "info" : "alarm", 120, ledger_) ==
                    InjectOutcome::daemon_gone)
                    return;
        });
}

Injectors::~Injectors() {
    stop();
}

void Injectors::stop() {
    stop_ = true;
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

SerialSensor::SerialSensor() {
    master_.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!master_ || ::grantpt(master_.get()) != 0 || ::unlockpt(master_.get()) != 0)
        throw std::runtime_error("cannot open a pty");
    device_ = ::ptsname(master_.get());
    slave_.reset(::open(device_.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!slave_) throw std::runtime_error("cannot open " + device_);
    termios tio{};
    ::tcgetattr(slave_.get(), &tio);
    ::cfmakeraw(&tio);
    ::tcsetattr(slave_.get(), TCSANOW, &tio);
}

SerialSensor::~SerialSensor() {
    stop();
}

void SerialSensor::start(int lines_per_s) {
    stop();
    stop_ = false;
    thread_ = std::thread([this, lines_per_s] { run(lines_per_s); });
}

void SerialSensor::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

void SerialSensor::run(int lines_per_s) {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    std::string pending;
    for (uint64_t written = 0; !stop_;) {
        if (lines_per_s > 0 && pending.empty() &&
            clock::now() < t0 + std::chrono::microseconds((written + 1) * 1000000 /
                                                          static_cast<uint64_t>(lines_per_s))) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
        }
        if (pending.empty()) {
            const uint64_t n = lines_;
            char line[96];
            std::snprintf(line, sizeof line, "T=%.2f,H=%.1f,L=%llu\r\n",
                          20.0 + 5.0 * std::sin(double(n) / 50.0), double(n % 1000) / 10.0,
                          static_cast<unsigned long long>(n));
            pending = line;
        }
        const ssize_t w = ::write(master_.get(), pending.data(), pending.size());
        if (w > 0) {
            pending.erase(0, static_cast<size_t>(w));
            if (pending.empty()) {
                ++written;
                ++lines_;
            }
            continue;
        }
        // Nobody reads (the gateway is down or slow): wait for room.
        pollfd p{master_.get(), POLLOUT, 0};
        ::poll(&p, 1, 50);
    }
}

Center::Center(const std::string& broker_uri) : sub_(broker_uri, "soak-center", "+/+/+/event") {}

void Center::absorb() {
    const auto msgs = sub_.messages();
    for (; seen_ < msgs.size(); ++seen_) {
        json e = json::parse(msgs[seen_].payload, nullptr, false);
        if (e.is_discarded() || !e.is_object()) {
            others_["(not JSON)"]++;
            continue;
        }
        const std::string type = e.value("type", std::string());
        if (type == kEventType)
            copies_[e.value("id", std::string())]++;
        else
            others_[type]++;
    }
}

bool Center::wait_for(const std::vector<std::string>& ids, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t next = 0;  // ids before it have arrived
    for (;;) {
        absorb();
        while (next < ids.size() && copies_.count(ids[next])) ++next;
        if (next == ids.size()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

Delivery Center::count(const std::vector<std::string>& accepted) {
    absorb();
    Delivery d;
    std::unordered_set<std::string> ids(accepted.begin(), accepted.end());
    d.accepted = ids.size();
    for (const auto& id : ids) {
        auto it = copies_.find(id);
        if (it == copies_.end()) {
            d.lost++;
            if (d.lost_ids.size() < 20) d.lost_ids.push_back(id);
            continue;
        }
        d.delivered++;
        d.duplicates += static_cast<size_t>(it->second - 1);
    }
    for (const auto& [id, n] : copies_)
        if (!ids.count(id)) d.unacknowledged++;
    return d;
}

std::map<std::string, int> Center::other_events() {
    absorb();
    return others_;
}

std::optional<json> status(const std::string& socket, int timeout_ms) {
    auto r = ControlClient(socket, timeout_ms).call({{"cmd", "status"}});
    if (!r) return std::nullopt;
    return *r;
}

test::BrokerOptions persistent_broker() {
    test::BrokerOptions o;
    o.persistence = true;
    return o;
}

std::string tail(const std::string& text, size_t n) {
    return text.size() > n ? "..." + text.substr(text.size() - n) : text;
}

}  // namespace gw::soak
