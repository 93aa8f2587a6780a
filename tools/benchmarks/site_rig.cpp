#include "site_rig.hpp"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <stdexcept>
#include <vector>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"

namespace gw::bench {

int64_t now_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// Paho's thread: stamp first, then queue; nothing else happens here.
class Center::Callback final : public mqtt::callback {
  public:
    explicit Callback(Center& c) : c_(c) {}
    void message_arrived(mqtt::const_message_ptr msg) override {
        const int64_t t = now_us();
        c_.push({t, msg->get_topic(), msg->to_string()});
    }

  private:
    Center& c_;
};

Center::Center(const std::string& uri, const std::string& filter, const std::string& client_id)
    : callback_(std::make_unique<Callback>(*this)),
      client_(std::make_unique<mqtt::async_client>(
          uri, client_id, static_cast<mqtt::iclient_persistence*>(nullptr))) {
    client_->set_callback(*callback_);
    mqtt::connect_options opts;
    opts.set_clean_session(true);
    client_->connect(opts)->wait();
    client_->subscribe(filter, 1)->wait();
}

Center::~Center() {
    try {
        client_->disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
    }
}

void Center::push(Arrival a) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        arrivals_.push_back(std::move(a));
        ++received_;
    }
    cv_.notify_one();
}

uint64_t Center::received() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
}

std::optional<Arrival> Center::next(const std::function<bool(const Arrival&)>& want, int timeout_ms,
                                    const std::function<void(const Arrival&)>& skipped) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        while (!arrivals_.empty()) {
            Arrival a = std::move(arrivals_.front());
            arrivals_.pop_front();
            if (want(a)) return a;
            if (skipped) skipped(a);
        }
        if (!cv_.wait_until(lock, deadline, [&] { return !arrivals_.empty(); }))
            return std::nullopt;
    }
}

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void must_replace(std::string& text, const std::regex& re, const std::string& with,
                  const char* what) {
    if (!std::regex_search(text, re))
        throw std::runtime_error(std::string("gateway.example.toml: cannot find ") + what);
    text = std::regex_replace(text, re, with);
}

// The example's top-level tables and array-of-tables entries, each with its
// sub-tables ([detectors.params]) and the comments after it.
std::vector<std::string> split_blocks(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t pos = text.find("\n[["); pos != std::string::npos;
         pos = text.find("\n[[", pos + 1)) {
        out.push_back(text.substr(start, pos + 1 - start));
        start = pos + 1;
    }
    out.push_back(text.substr(start));
    return out;
}

bool block_is(const std::string& b, const std::string& table, const std::string& id) {
    return b.rfind("[[" + table + "]]", 0) == 0 &&
           b.find("\nid = \"" + id + "\"") != std::string::npos;
}

}  // namespace

EventHead event_head(const Arrival& a) {
    if (!ends_with(a.topic, "/event")) return {};
    auto j = nlohmann::json::parse(a.payload, nullptr, false);
    if (j.is_discarded()) return {};
    return {j.value("type", ""), j.value("state", ""), j.value("ts", int64_t{0})};
}

bool is_telemetry(const Arrival& a) {
    return ends_with(a.topic, "/telemetry");
}

std::string example_config(const SiteOptions& o) {
    std::string text = gw::test::read_file(std::string(GW_SOURCE_DIR) +
                                           "/firmware/base/config/gateway.example.toml");
    must_replace(text, std::regex("data_dir = \"[^\"]*\""), "data_dir = \"" + o.dir + "\"",
                 "data_dir");
    must_replace(text, std::regex("socket = \"[^\"]*\""), "socket = \"" + o.dir + "/ctl.sock\"",
                 "control socket");
    must_replace(text, std::regex("port = 1502"), "port = " + std::to_string(o.modbus_port),
                 "port = 1502");
    must_replace(text, std::regex("brokers = \\[[^\\]]*\\]"), "brokers = [\"" + o.broker + "\"]",
                 "brokers");
    must_replace(text, std::regex("log_level = \"[a-z]*\""), "log_level = \"" + o.log_level + "\"",
                 "log_level");
    if (!o.mode.empty())
        must_replace(text, std::regex("mode = \"[a-z]*\""), "mode = \"" + o.mode + "\"", "mode");
    std::string out;
    bool found_panel = o.fire_panel_poll_ms <= 0, found_fire = !o.instant_fire;
    for (std::string b : split_blocks(text)) {
        const bool camera_part =
            b.rfind("[[cameras]]", 0) == 0 ||
            (b.rfind("[[detectors]]", 0) == 0 && b.find("\ncamera = ") != std::string::npos);
        if (camera_part && !o.camera) continue;
        if (o.fire_panel_poll_ms > 0 && block_is(b, "devices", "fire-panel")) {
            must_replace(b, std::regex("\npoll_ms = [0-9]+"),
                         "\npoll_ms = " + std::to_string(o.fire_panel_poll_ms),
                         "fire-panel poll_ms");
            if (o.fire_panel_poll_ms_emergency > 0)
                b += "poll_ms_emergency = " + std::to_string(o.fire_panel_poll_ms_emergency) + "\n";
            found_panel = true;
        }
        if (o.instant_fire && block_is(b, "detectors", "fire-1")) {
            // A raise on the first poll that sees the heat, a clear on the
            // first that does not: the pipeline's latency, not a hold's.
            b = std::regex_replace(b, std::regex("\n(hold_s|clear_hold_s|rate_of_rise) = [^\n]*"),
                                   "");
            must_replace(b, std::regex("\\[detectors.params\\]\n"),
                         "[detectors.params]\nhold_s = 0\nclear_hold_s = 0\nrate_of_rise = false\n",
                         "fire-1 params");
            found_fire = true;
        }
        out += b;
    }
    if (!found_panel || !found_fire)
        throw std::runtime_error("gateway.example.toml: no fire-panel device or fire-1 detector");
    return out;
}

gw::sitesim::Scenario normal_day(bool at_rest_only) {
    auto sc = gw::sitesim::load_scenario(std::string(GW_SOURCE_DIR) +
                                         "/tools/sitesim/scenarios/site-normal.csv");
    if (!sc) throw std::runtime_error(sc.error());
    if (!at_rest_only) return *sc;
    gw::sitesim::Scenario rest;
    for (const auto& st : sc->steps)
        if (st.t_s == 0 && !st.is_fault) rest.steps.push_back(st);
    rest.slaves = sc->slaves;
    return rest;
}

namespace {

// This build's gatewayd, or GW_BENCH_GATEWAYD (to compare two builds alike).
std::string gatewayd_path() {
    const char* other = std::getenv("GW_BENCH_GATEWAYD");
    return other && *other ? other : GW_GATEWAYD;
}

}  // namespace

Gatewayd::Gatewayd(const std::string& config, const std::string& dir, const std::string& name)
    : proc_(std::make_unique<gw::test::Process>(
          std::vector<std::string>{gatewayd_path(), "--config", config}, dir, name)) {}

Gatewayd::~Gatewayd() {
    if (proc_->running()) stop();
}

bool Gatewayd::ready(int timeout_ms, std::string& why) const {
    if (proc_->wait_for_output("msg=ready", timeout_ms)) return true;
    why = "gatewayd did not get ready: " + proc_->err();
    return false;
}

int Gatewayd::stop() {
    proc_->signal(SIGTERM);
    auto code = proc_->wait(15000);
    if (!code) {
        proc_->signal(SIGKILL);
        code = proc_->wait(5000);
    }
    return code.value_or(-1);
}

}  // namespace gw::bench
