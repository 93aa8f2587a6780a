#include "control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gw {
namespace {

// Owns the socket descriptor for the length of one call.
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

constexpr size_t kMaxReply = 16 << 20;

}  // namespace

Result<nlohmann::json> ControlClient::call(const nlohmann::json& request,
                                           ControlError* error) const {
    auto failed = [&](ControlError::Kind kind, std::string msg) -> Result<nlohmann::json> {
        if (error) *error = {kind, msg};
        return fail(msg);
    };
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof addr.sun_path)
        return failed(ControlError::Kind::protocol, "control socket path too long: " + path_);
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0)
        return failed(ControlError::Kind::protocol, std::string("socket: ") + std::strerror(errno));
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int err = errno;
        if (err == EACCES || err == EPERM)
            return failed(ControlError::Kind::not_permitted,
                          "permission denied on " + path_ +
                              ": run as root or as a member of the daemon's group");
        return failed(ControlError::Kind::not_running,
                      "gatewayd is not running (cannot connect to " + path_ + ": " +
                          std::strerror(err) + ")");
    }
    std::string line = request.dump() + "\n";
    size_t sent = 0;
    while (sent < line.size()) {
        ssize_t n = send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return failed(ControlError::Kind::protocol, "gatewayd closed the connection");
        sent += static_cast<size_t>(n);
    }
    std::string reply;
    char buf[65536];
    while (reply.find('\n') == std::string::npos) {
        pollfd p{fd.get(), POLLIN, 0};
        if (poll(&p, 1, timeout_ms_) <= 0)
            return failed(ControlError::Kind::protocol,
                          "gatewayd did not answer within " + std::to_string(timeout_ms_) + " ms");
        ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
        if (n <= 0) break;
        reply.append(buf, static_cast<size_t>(n));
        if (reply.size() > kMaxReply)
            return failed(ControlError::Kind::protocol, "reply too large");
    }
    auto json = nlohmann::json::parse(reply.substr(0, reply.find('\n')), nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return failed(ControlError::Kind::protocol, "gatewayd sent a malformed reply");
    if (!json.value("ok", false)) {
        std::string why = json.value("error", std::string("request refused"));
        // The server's credential check (SO_PEERCRED) answers before closing.
        if (why == "permission denied")
            return failed(ControlError::Kind::not_permitted,
                          "permission denied on " + path_ +
                              ": run as root or as a member of the daemon's group");
        return failed(ControlError::Kind::refused, why);
    }
    return json;
}

}  // namespace gw
