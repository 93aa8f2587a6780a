#include "ctl_fixture.hpp"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "support/wait.hpp"

namespace gw::test {
namespace {

// Fixed values: water_depth 12.3 cm, rain 7 tips, room 21.5 C, no smoke, lift at floor 4.
const char* kScenario =
    "t_s,slave,table,address,value\n"
    "0,1,holding_register,0,123\n"
    "0,1,holding_register,1,7\n"
    "0,2,holding_register,0,215\n"
    "0,2,holding_register,1,3\n"
    "0,2,discrete_input,0,0\n"
    "0,3,holding_register,0,4\n";

// A moving square: a camera whose image is neither frozen nor dark.
std::string write_video(const TempDir& dir) {
    const std::string path = dir.file("cam.avi");
    cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, cv::Size(160, 120));
    if (!w.isOpened()) throw std::runtime_error("cannot write " + path);
    for (int i = 0; i < 100; ++i) {
        cv::Mat m(120, 160, CV_8UC3, cv::Scalar(80, 100, 120));
        cv::rectangle(m, cv::Rect((i * 7) % 120, 40, 30, 30), cv::Scalar(240, 240, 240), -1);
        w.write(m);
    }
    return path;
}

std::string device(const std::string& id, int slave, int port) {
    return "[[devices]]\nid = \"" + id +
           "\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(port) +
           "\nslave = " + std::to_string(slave) +
           "\ntimeout_ms = 200\nretries = 1\npoll_ms = 200\nbackoff_max_ms = 1000\n\n";
}

std::string point(const std::string& id, const std::string& dev, const std::string& table,
                  int address, const std::string& extra) {
    return "[[points]]\nid = \"" + id + "\"\ndevice = \"" + dev + "\"\ntable = \"" + table +
           "\"\naddress = " + std::to_string(address) + "\n" + extra + "\n";
}

std::string site_config(const std::string& dir, const std::string& broker, int port,
                        const std::string& video) {
    return "[gateway]\ndistrict = \"d\"\nsite = \"s1\"\nid = \"gw1\"\ndata_dir = \"" + dir +
           "/data\"\nlog_level = \"info\"\n\n[uplink]\nbrokers = [\"" + broker +
           "\"]\nreconnect_min_ms = 100\nreconnect_max_ms = 500\n\n[control]\nsocket = \"" + dir +
           "/data/ctl.sock\"\n\n" + device("flood-gauge", 1, port) + device("fire-panel", 2, port) +
           device("lift-1", 3, port) +
           point("water_depth", "flood-gauge", "holding_register", 0,
                 "type = \"uint16\"\nscale = 0.1\nunit = \"cm\"\nmin = 0\nmax = 500\n") +
           point("rain_count", "flood-gauge", "holding_register", 1, "unit = \"tips\"\n") +
           point("room_temp", "fire-panel", "holding_register", 0,
                 "type = \"int16\"\nscale = 0.1\nunit = \"C\"\n") +
           point("co_ppm", "fire-panel", "holding_register", 1, "unit = \"ppm\"\n") +
           point("smoke", "fire-panel", "discrete_input", 0, "type = \"bool\"\n") +
           point("lift_floor", "lift-1", "holding_register", 0, "type = \"int16\"\n") +
           "[[cameras]]\nid = \"cam-1\"\nurl = \"" + video + "\"\nfps = 5\n\n" +
           "[[detectors]]\nid = \"flood-1\"\nkind = \"flood\"\ninputs = { depth = "
           "\"water_depth\", rain_counter = \"rain_count\" }\n[detectors.params]\n"
           "depth_levels_cm = [10, 30, 50]\n";
}

}  // namespace

Site::Site(SiteOptions options) {
    std::string broker_uri = "tcp://127.0.0.1:" + std::to_string(free_port());
    if (options.broker) {
        broker_ = std::make_unique<Mosquitto>(dir_.path(), "broker");
        broker_->start();
        broker_uri = broker_->uri();
    }
    const int port = free_port();
    const std::string scenario = dir_.write("site.csv", kScenario);
    sim_ = std::make_unique<Process>(
        std::vector<std::string>{GW_SITESIM, "--scenario", scenario, "--tcp", std::to_string(port)},
        dir_.path(), "sitesim");
    if (!wait_for_port(port, 10000))
        throw std::runtime_error("sitesim did not start: " + sim_->err());
    config_ = dir_.write("gw.toml", site_config(dir_.path(), broker_uri, port, write_video(dir_)));
    socket_ = dir_.path() + "/data/ctl.sock";
}

Site::~Site() {
    stop_daemon();
}

void Site::start_daemon() {
    daemon_ = std::make_unique<Process>(std::vector<std::string>{GW_GATEWAYD, "-c", config_},
                                        dir_.path(), "gatewayd");
    if (!daemon_->wait_for_output("msg=ready", 20000))
        throw std::runtime_error("gatewayd did not start: " + daemon_->err());
}

std::optional<int> Site::stop_daemon(int timeout_ms) {
    if (!daemon_) return std::nullopt;
    daemon_->signal(SIGTERM);
    auto code = daemon_->wait(timeout_ms);
    daemon_.reset();  // killed if it did not exit
    return code;
}

void Site::reload_daemon() {
    std::ofstream(config_, std::ios::app) << "# reloaded by the test\n";
    daemon_->signal(SIGHUP);
    if (!daemon_->wait_for_output("restarting with the new config", 10000))
        throw std::runtime_error("gatewayd did not reload: " + daemon_->err());
}

std::string Site::daemon_log() const {
    return daemon_ ? daemon_->err() : std::string();
}

RunResult Site::ctl(std::vector<std::string> args, int timeout_ms) const {
    args.insert(args.begin(), GW_GATEWAYCTL);
    args.push_back("-c");
    args.push_back(config_);
    return run(args, timeout_ms);
}

// 100 ms between probes: many of them run gatewayctl.
bool eventually(const std::function<bool()>& probe, int timeout_ms) {
    return wait_for(probe, timeout_ms, 100);
}

}  // namespace gw::test
