#include "rabbitmq.hpp"

#include <dirent.h>
#include <glob.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <mqtt/async_client.h>
#include <nlohmann/json.hpp>

#include "mosquitto.hpp"
#include "temp_dir.hpp"

namespace gw::test {
namespace {

// The scripts themselves, not /usr/sbin's wrappers (those switch to user
// rabbitmq and the packaged paths).
const std::string kBin = "/usr/lib/rabbitmq/bin/";
constexpr int kStartTimeoutMs = 240000;  // tens of seconds on a loaded 2-core machine
constexpr int kStopTimeoutMs = 60000;

// The parent-death signal makes the kernel kill the child if the test dies.
std::vector<std::string> owned(std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"setpriv", "--pdeathsig", "KILL"});
    return argv;
}

std::string packaged_plugins_dir() {
    glob_t g{};
    std::string dir;
    if (glob("/usr/lib/rabbitmq/lib/rabbitmq_server-*/plugins", 0, nullptr, &g) == 0 &&
        g.gl_pathc > 0)
        dir = g.gl_pathv[0];
    globfree(&g);
    return dir;
}

// The packaged plugins dir holds some 40 plugins; the node scans every one at
// boot. A dir of links to the libraries plus the MQTT plugin boots in about
// 30% less CPU time (measured: 6.8 s instead of 9.9 s of beam CPU).
std::string trimmed_plugins_dir(const std::string& dir) {
    const std::string from = packaged_plugins_dir();
    if (from.empty()) throw std::runtime_error("rabbitmq plugins dir not found");
    const std::string to = dir + "/plugins";
    mkdir(to.c_str(), 0700);
    DIR* d = opendir(from.c_str());
    if (!d) throw std::runtime_error("cannot read " + from);
    while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == ".." || name == "README") continue;
        const bool plugin = name.rfind("rabbitmq_", 0) == 0;
        const bool needed =
            name.rfind("rabbitmq_mqtt-", 0) == 0 || name.rfind("rabbitmq_prelaunch-", 0) == 0;
        if (plugin && !needed) continue;
        symlink((from + "/" + name).c_str(), (to + "/" + name).c_str());
    }
    closedir(d);
    return to;
}

// A CONNACK within a few seconds from the broker at `uri`.
bool mqtt_answers(const std::string& uri) {
    mqtt::async_client client(uri, "gw-test-ready",
                              static_cast<mqtt::iclient_persistence*>(nullptr));
    mqtt::connect_options opts;
    opts.set_clean_session(true);
    opts.set_connect_timeout(5);
    try {
        if (!client.connect(opts)->wait_for(std::chrono::seconds(10))) return false;
        client.disconnect()->wait_for(std::chrono::seconds(5));
        return true;
    } catch (const mqtt::exception&) {
        return false;
    }
}

std::string tail(const std::string& text, size_t n) {
    return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

}  // namespace

bool rabbitmq_installed() {
    return ::access((kBin + "rabbitmq-server").c_str(), X_OK) == 0 &&
           ::access((kBin + "rabbitmqctl").c_str(), X_OK) == 0;
}

Epmd::Epmd(const std::string& dir) : port_(free_port()) {
    proc_ = std::make_unique<Process>(owned({"epmd", "-port", std::to_string(port_)}), dir,
                                      "epmd-" + std::to_string(port_));
    // A node finding no epmd would start a detached one of its own.
    if (!wait_for_port(port_, 20000)) throw std::runtime_error("epmd did not start");
}

RabbitNode::RabbitNode(RabbitNodeSpec spec)
    : spec_(std::move(spec)),
      dir_(spec_.dir + "/" + spec_.name),
      node_(spec_.name + "@localhost"),
      mqtt_port_(free_port()),
      amqp_port_(free_port()),
      dist_port_(free_port()) {
    mkdir(dir_.c_str(), 0700);
    std::ofstream(dir_ + "/rabbitmq-env.conf");  // empty: not /etc/rabbitmq's
    std::ofstream(dir_ + "/enabled_plugins") << "[rabbitmq_mqtt].\n";
    const std::string cookie = dir_ + "/.erlang.cookie";
    std::ofstream(cookie) << spec_.cookie;
    chmod(cookie.c_str(), 0400);  // Erlang refuses a cookie others can read
    std::ofstream conf(dir_ + "/rabbitmq.conf");
    conf << "listeners.tcp.default = 127.0.0.1:" << amqp_port_ << "\n"
         << "mqtt.listeners.tcp.default = 127.0.0.1:" << mqtt_port_ << "\n"
         << "mqtt.allow_anonymous = true\n"
         << "loopback_users = none\n"
         << "disk_free_limit.absolute = 50MB\n"
         << "log.console = false\n"
         << "log.file.level = info\n";
    if (!spec_.seed.empty()) {
        conf << "cluster_formation.peer_discovery_backend = classic_config\n"
             << "cluster_formation.classic_config.nodes.1 = " << spec_.seed << "\n";
    }
    trimmed_plugins_dir(dir_);
}

RabbitNode::~RabbitNode() = default;

std::string RabbitNode::uri() const {
    return "tcp://127.0.0.1:" + std::to_string(mqtt_port_);
}

std::vector<std::string> RabbitNode::environment() const {
    return {"HOME=" + dir_,
            "ERL_EPMD_PORT=" + std::to_string(spec_.epmd_port),
            "RABBITMQ_NODENAME=" + node_,
            "RABBITMQ_NODE_PORT=" + std::to_string(amqp_port_),
            "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
            "RABBITMQ_CONF_ENV_FILE=" + dir_ + "/rabbitmq-env.conf",
            "RABBITMQ_CONFIG_FILE=" + dir_ + "/rabbitmq.conf",
            "RABBITMQ_ENABLED_PLUGINS_FILE=" + dir_ + "/enabled_plugins",
            "RABBITMQ_PLUGINS_DIR=" + dir_ + "/plugins",
            "RABBITMQ_MNESIA_BASE=" + dir_ + "/mnesia",
            "RABBITMQ_LOG_BASE=" + dir_ + "/log"};
}

void RabbitNode::launch() {
    proc_.reset();
    std::vector<std::string> argv{"env"};
    for (auto& v : environment()) argv.push_back(v);
    // The start script execs the VM itself (instead of waiting on it as a
    // child) when input is allowed; -noinput keeps the Erlang shell off. So
    // the pid we own is beam's: SIGTERM stops RabbitMQ cleanly, SIGKILL
    // takes the whole VM (its helper processes exit with it).
    argv.insert(argv.end(),
                {"RABBITMQ_ALLOW_INPUT=1", "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-noinput",
                 kBin + "rabbitmq-server"});
    proc_ = std::make_unique<Process>(owned(argv), dir_, "server");
}

void RabbitNode::ready(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) throw std::runtime_error(node_ + " exited while starting:\n" + log());
        // An open port is not enough: the node must answer an MQTT CONNECT.
        if (wait_for_port(mqtt_port_, 200) && mqtt_answers(uri())) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw std::runtime_error(node_ + " did not open its MQTT port in " +
                             std::to_string(timeout_ms / 1000) + " s:\n" + log());
}

void RabbitNode::start() {
    launch();
    ready(kStartTimeoutMs);
}

void RabbitNode::stop(int sig) {
    if (!proc_) return;
    proc_->signal(sig);
    if (!proc_->wait(sig == SIGKILL ? 10000 : kStopTimeoutMs)) {
        proc_->signal(SIGKILL);
        proc_->wait(10000);
    }
}

std::string RabbitNode::log() const {
    std::string text = read_file(dir_ + "/log/" + node_ + ".log");
    if (proc_) text += proc_->err() + proc_->out();
    return tail(text, 6000);
}

RunResult RabbitNode::ctl(std::vector<std::string> args, int timeout_ms) const {
    std::vector<std::string> argv{"env"};
    for (auto& v : environment()) argv.push_back(v);
    argv.insert(argv.end(), {kBin + "rabbitmqctl", "-n", node_});
    argv.insert(argv.end(), args.begin(), args.end());
    return run(owned(argv), timeout_ms);
}

RabbitMq::RabbitMq(const std::string& dir, const std::string& name)
    : epmd_(dir),
      node_(std::make_unique<RabbitNode>(
          RabbitNodeSpec{dir, name, epmd_.port(), "GWTESTCOOKIE" + name, ""})) {}

RabbitCluster::RabbitCluster(const std::string& dir, int size) : epmd_(dir) {
    const std::string cookie = "GWCLUSTERCOOKIE" + std::to_string(epmd_.port());
    for (int i = 0; i < size; ++i) {
        RabbitNodeSpec spec{dir, "rabbit" + std::to_string(i + 1), epmd_.port(), cookie, ""};
        if (i > 0) spec.seed = nodes_.front()->node_name();
        nodes_.push_back(std::make_unique<RabbitNode>(spec));
    }
}

RabbitCluster::~RabbitCluster() = default;

void RabbitCluster::start() {
    nodes_.front()->start();
    for (size_t i = 1; i < nodes_.size(); ++i) nodes_[i]->launch();
    for (size_t i = 1; i < nodes_.size(); ++i) nodes_[i]->ready(kStartTimeoutMs);
    // A node opens its MQTT port after joining, so this normally holds at once.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::vector<std::string> running;
    while (std::chrono::steady_clock::now() < deadline) {
        running = running_nodes(0);
        if (running.size() == nodes_.size()) return;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    throw std::runtime_error("cluster did not form: " + std::to_string(running.size()) + " of " +
                             std::to_string(nodes_.size()) + " nodes running\n" +
                             nodes_.back()->log());
}

std::vector<std::string> RabbitCluster::uris() const {
    std::vector<std::string> out;
    for (const auto& n : nodes_) out.push_back(n->uri());
    return out;
}

std::vector<std::string> RabbitCluster::running_nodes(int from) const {
    auto r = nodes_.at(static_cast<size_t>(from))->ctl({"cluster_status", "--formatter", "json"});
    if (r.code != 0) return {};
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.contains("running_nodes")) return {};
    return j["running_nodes"].get<std::vector<std::string>>();
}

void RabbitCluster::mirror_mqtt_sessions() {
    auto r = nodes_.front()->ctl({"set_policy", "mqtt-sessions", "^mqtt-subscription-",
                                  R"({"ha-mode":"all","ha-sync-mode":"automatic"})", "--apply-to",
                                  "queues"});
    if (r.code != 0) throw std::runtime_error("set_policy failed: " + r.err + r.out);
}

}  // namespace gw::test
