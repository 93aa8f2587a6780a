#include "mosquitto.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "temp_dir.hpp"

namespace gw::test {

bool wait_for_port(int port, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    do {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(port));
        int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        close(fd);
        if (rc == 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

Mosquitto::Mosquitto(const std::string& dir, const std::string& name, BrokerOptions o)
    : dir_(dir + "/" + name), name_(name), port_(free_port()) {
    mkdir(dir_.c_str(), 0700);
    conf_ = dir_ + "/mosquitto.conf";
    std::ofstream c(conf_);
    // Run as ourselves: mosquitto started as root would otherwise switch to
    // user "mosquitto" and could not read certificates in our private dir.
    const passwd* me = getpwuid(getuid());
    c << "user " << (me ? me->pw_name : "mosquitto") << "\n"
      << "per_listener_settings false\n"
      << "allow_anonymous " << (o.password_file.empty() ? "true" : "false") << "\n"
      << (o.password_file.empty() ? "" : "password_file " + o.password_file + "\n")
      // Unlimited queues: a test subscriber must see every message, and
      // mosquitto's default (1000 queued per client) would drop some.
      << "max_queued_messages 0\n"
      << "log_type error\nlog_type warning\nlog_type notice\n"
      << "persistence " << (o.persistence ? "true" : "false") << "\n"
      << "persistence_location " << dir_ << "/\n"
      << "listener " << port_ << " 127.0.0.1\n"
      << o.listener_extra << "\n"
      << o.extra << "\n";
}

Mosquitto::~Mosquitto() = default;

std::string Mosquitto::uri(const std::string& scheme) const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
}

void Mosquitto::start() {
    proc_.reset();
    proc_ =
        std::make_unique<Process>(std::vector<std::string>{"mosquitto", "-c", conf_}, dir_, name_);
    if (!wait_for_port(port_, 10000)) throw std::runtime_error("mosquitto did not start: " + log());
}

void Mosquitto::stop(int sig) {
    if (!proc_) return;
    proc_->signal(sig);
    proc_->wait(10000);
}

std::string Mosquitto::log() const {
    return proc_ ? proc_->err() + proc_->out() : std::string();
}

}  // namespace gw::test
