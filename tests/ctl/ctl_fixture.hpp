#pragma once
// A whole site for gatewayctl tests: sitesim (three slaves with fixed
// values) on a free TCP port, a real mosquitto, a generated video for the
// camera, and gatewayd started on a config generated in a TempDir.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/mosquitto.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace gw::test {

struct SiteOptions {
    bool broker = true;  // false: the config names a port where nothing listens
};

class Site {
  public:
    explicit Site(SiteOptions options = {});
    ~Site();
    void start_daemon();
    // SIGTERM; its exit code, or nothing if it was still running after
    // timeout_ms (it is then killed).
    std::optional<int> stop_daemon(int timeout_ms = 5000);
    // Changes the config (a comment) and sends SIGHUP: the daemon rebuilds
    // itself in the same process, its control socket and sample ring too.
    void reload_daemon();
    // gatewayctl ARGS... -c <config>
    RunResult ctl(std::vector<std::string> args, int timeout_ms = 30000) const;
    const std::string& config() const { return config_; }
    const std::string& socket() const { return socket_; }
    const TempDir& dir() const { return dir_; }
    std::string daemon_log() const;

  private:
    TempDir dir_;
    std::unique_ptr<Mosquitto> broker_;
    std::unique_ptr<Process> sim_;
    std::unique_ptr<Process> daemon_;
    std::string config_;
    std::string socket_;
};

// Reruns `probe` until it returns true or timeout_ms passes.
bool eventually(const std::function<bool()>& probe, int timeout_ms = 15000);

}  // namespace gw::test
