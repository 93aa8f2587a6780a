#include "nats.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "mosquitto.hpp"

namespace gw::test {

bool nats_installed() {
    for (const char* dir : {"/usr/sbin/", "/usr/bin/"})
        if (::access((std::string(dir) + "nats-server").c_str(), X_OK) == 0) return true;
    return false;
}

Nats::Nats(const std::string& dir, const std::string& name)
    : dir_(dir + "/" + name), mqtt_port_(free_port()), client_port_(free_port()) {
    mkdir(dir_.c_str(), 0700);
    conf_ = dir_ + "/nats.conf";
    std::ofstream(conf_) << "server_name: \"gw-test-" << name << "\"\n"
                         << "listen: \"127.0.0.1:" << client_port_ << "\"\n"
                         << "jetstream {\n"
                         << "  store_dir: \"" << dir_ << "/jetstream\"\n"
                         << "  max_memory_store: 64MB\n"
                         << "  max_file_store: 1GB\n"
                         << "}\n"
                         << "mqtt {\n"
                         << "  listen: \"127.0.0.1:" << mqtt_port_ << "\"\n"
                         << "}\n";
}

Nats::~Nats() = default;

std::string Nats::uri() const {
    return "tcp://127.0.0.1:" + std::to_string(mqtt_port_);
}

void Nats::start() {
    proc_.reset();
    // The parent-death signal makes the kernel kill it if the test dies.
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"setpriv", "--pdeathsig", "KILL", "nats-server", "-c", conf_},
        dir_, "nats");
    if (!wait_for_port(mqtt_port_, 30000))
        throw std::runtime_error("nats-server did not start: " + log());
}

void Nats::stop(int sig) {
    if (!proc_) return;
    proc_->signal(sig);
    if (!proc_->wait(30000)) {
        proc_->signal(SIGKILL);
        proc_->wait(10000);
    }
}

std::string Nats::log() const {
    return proc_ ? proc_->err() + proc_->out() : std::string();
}

}  // namespace gw::test
