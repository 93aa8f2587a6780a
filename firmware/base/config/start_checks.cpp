#include "start_checks.hpp"

#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gw {
namespace {

void readable(const Config& c, const std::string& key, const std::string& path,
              std::vector<std::string>& out) {
    if (path.empty() || ::access(path.c_str(), R_OK) == 0) return;
    out.push_back(c.file + ": " + key + ": " + path + ": " + std::strerror(errno));
}

}  // namespace

std::vector<std::string> start_problems(const Config& c) {
    std::vector<std::string> out;
    if (c.uplink.tls) {
        readable(c, "uplink.tls.ca_file", c.uplink.tls->ca_file, out);
        readable(c, "uplink.tls.cert_file", c.uplink.tls->cert_file, out);
        readable(c, "uplink.tls.key_file", c.uplink.tls->key_file, out);
    }
    readable(c, "uplink.credentials_file", c.uplink.credentials_file, out);
    readable(c, "commands.secret_file", c.commands.secret_file, out);
    const size_t max_socket = sizeof(sockaddr_un::sun_path) - 1;
    if (c.control.socket.size() > max_socket)
        out.push_back(c.file + ": control.socket: the path is " +
                      std::to_string(c.control.socket.size()) + " bytes, a Unix socket's at most " +
                      std::to_string(max_socket) + " (a shorter data_dir or control.socket)");
    return out;
}

}  // namespace gw
