#pragma once
// gatewayd as a process at a small simulated site, for the broker interop and
// cluster tests: sitesim serves a flood gauge (telemetry), a camera plays a
// generated flame video (a video_fire event with its evidence image), and
// the control socket injects alarms whose ids the center must all receive.
#include <signal.h>

#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include "control/control_client.hpp"
#include "support/process.hpp"
#include "support/subscriber.hpp"
#include "support/wait.hpp"
#include "support/temp_dir.hpp"
#include "vision/synthetic.hpp"

namespace gw::test {

struct SiteOptions {
    std::vector<std::string> brokers;
    std::string site = "site-1";
    std::string gateway = "gw-1";
    bool sensors = true;  // sitesim flood gauge -> telemetry
    bool camera = true;   // flame video -> video_fire event + evidence
};

inline std::string topic_base(const SiteOptions& o) {
    return "city/" + o.site + "/" + o.gateway;
}

// 20 s of a 10 fps scene, flame from 1 s on; the camera loops the file.
inline std::string write_fire_video(const std::string& dir) {
    std::string path = dir + "/fire.avi";
    cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, {320, 240});
    cv::Mat bg = background({320, 240});
    std::mt19937 rng(5);
    for (int n = 0; n < 200; ++n) w.write(fire_frame(bg, n, 10, rng));
    return path;
}

inline std::string site_config(const std::string& dir, const SiteOptions& o, int modbus_port,
                               const std::string& video) {
    std::string brokers;
    for (const auto& b : o.brokers) brokers += (brokers.empty() ? "\"" : ", \"") + b + "\"";
    std::string c = "[gateway]\ndistrict = \"d1\"\nsite = \"" + o.site + "\"\nid = \"" + o.gateway +
                    "\"\ndata_dir = \"" + dir +
                    "/data\"\n\n"
                    "[uplink]\nbrokers = [" +
                    brokers +
                    "]\nkeepalive_s = 5\nreconnect_min_ms = 100\nreconnect_max_ms = 1000\n\n"
                    "[control]\nsocket = \"" +
                    dir + "/data/ctl.sock\"\n";
    if (o.sensors) {
        c += "\n[[devices]]\nid = \"flood-gauge\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\n"
             "port = " +
             std::to_string(modbus_port) +
             "\nslave = 1\npoll_ms = 500\n\n"
             "[[points]]\nid = \"water_depth\"\ndevice = \"flood-gauge\"\naddress = 0\n"
             "type = \"uint16\"\nscale = 0.1\nunit = \"cm\"\nreport_ms = 1000\n";
    }
    if (o.camera) {
        c += "\n[[cameras]]\nid = \"cam-yard\"\nurl = \"" + video +
             "\"\nfps = 10\n\n[[detectors]]\nid = \"yard-fire\"\nkind = \"video_fire\"\n"
             "camera = \"cam-yard\"\n";
    }
    return c;
}

// sitesim + gatewayd, stopped (SIGKILL) with the owner.
class GatewaySite {
  public:
    GatewaySite(const TempDir& dir, SiteOptions o) : dir_(dir), o_(std::move(o)) {
        const int modbus_port = free_port();
        if (o_.sensors) {
            sim_ = std::make_unique<Process>(
                std::vector<std::string>{
                    GW_SITESIM, "--scenario",
                    std::string(GW_SOURCE_DIR) + "/tools/sitesim/scenarios/site-normal.csv",
                    "--tcp", std::to_string(modbus_port), "--loop"},
                dir_.path(), "sitesim");
            if (!sim_->wait_for_output("sitesim: ready", 20000))
                throw std::runtime_error("sitesim did not start: " + sim_->err());
        }
        const std::string video = o_.camera ? write_fire_video(dir_.path()) : "";
        config_ = dir_.write("gw.toml", site_config(dir_.path(), o_, modbus_port, video));
        start();
    }
    // (Re)starts gatewayd on the same data dir and waits for it.
    void start() {
        gw_ = std::make_unique<Process>(std::vector<std::string>{GW_GATEWAYD, "-c", config_},
                                        dir_.path(), "gatewayd-" + std::to_string(++starts_));
        if (!gw_->wait_for_output("msg=ready", 60000))
            throw std::runtime_error("gatewayd did not start: " + gw_->err());
    }
    Process& gatewayd() { return *gw_; }
    std::string log() const { return gw_ ? gw_->err() : std::string(); }
    std::string base() const { return topic_base(o_); }
    // An alarm through the control socket; its id once it is durable.
    std::string inject(const std::string& type) {
        auto r = ControlClient(dir_.path() + "/data/ctl.sock", 10000)
                     .call({{"cmd", "inject"}, {"type", type}, {"severity", "alarm"}});
        if (!r) throw std::runtime_error("inject failed: " + r.error());
        return (*r)["id"].get<std::string>();
    }
    nlohmann::json status() {
        auto r = ControlClient(dir_.path() + "/data/ctl.sock", 10000).call({{"cmd", "status"}});
        if (!r) throw std::runtime_error("status failed: " + r.error());
        return *r;
    }

  private:
    const TempDir& dir_;
    SiteOptions o_;
    std::string config_;
    int starts_ = 0;
    std::unique_ptr<Process> sim_;
    std::unique_ptr<Process> gw_;
};

// Ids of the events received (each counted once: delivery is at least once).
inline std::vector<std::string> missing_ids(const std::vector<Received>& msgs,
                                            const std::vector<std::string>& ids) {
    std::vector<std::string> missing;
    for (const auto& id : ids) {
        bool found = false;
        for (const auto& m : msgs)
            if (ends_with(m.topic, "/event") &&
                m.payload.find("\"id\":\"" + id + "\"") != std::string::npos) {
                found = true;
                break;
            }
        if (!found) missing.push_back(id);
    }
    return missing;
}

inline std::optional<nlohmann::json> find_event(const std::vector<Received>& msgs,
                                                const std::string& type) {
    for (auto& e : events_of_type(msgs, type))
        if (e.value("state", "") == "raise") return e;
    return std::nullopt;
}

inline const Received* find_topic(const std::vector<Received>& msgs, const std::string& topic) {
    for (const auto& m : msgs)
        if (m.topic == topic) return &m;
    return nullptr;
}

// The last status the subscriber saw on `topic`, "" if none.
inline std::string last_status(const std::vector<Received>& msgs, const std::string& topic) {
    std::string last;
    for (const auto& m : msgs)
        if (m.topic == topic) last = m.payload;
    return last;
}

inline bool says_online(const std::string& status, bool online) {
    return status.find(online ? "\"online\":true" : "\"online\":false") != std::string::npos;
}

}  // namespace gw::test
