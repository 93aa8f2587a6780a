#include "control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/unique_fd.hpp"

namespace gw {
namespace {

// Reads up to the first newline. Empty on timeout or when the peer closed
// without a line; `why` then says which.
std::string read_line(int fd, int timeout_ms, std::string& why) {
    std::string reply;
    char buf[65536];
    while (reply.find('\n') == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        int ready = poll(&p, 1, timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            why = ready == 0
                      ? "gatewayd did not answer within " + std::to_string(timeout_ms) + " ms"
                      : std::string("poll: ") + std::strerror(errno);
            return {};
        }
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            why = "gatewayd closed the connection";
            return {};
        }
        reply.append(buf, static_cast<size_t>(n));
        if (reply.size() > kMaxControlReply) {
            why = "reply too large";
            return {};
        }
    }
    return reply.substr(0, reply.find('\n'));
}

}  // namespace

Result<nlohmann::json> ControlClient::call(const nlohmann::json& request,
                                           ControlError* error) const {
    auto failed = [&](ControlError::Kind kind, std::string msg) -> Result<nlohmann::json> {
        if (error) *error = {kind, msg};
        return fail(msg);
    };
    // JSON text must be UTF-8: an argument typed in a Latin-1 terminal made
    // dump() throw, and gatewayctl abort.
    std::string line;
    try {
        line = request.dump() + "\n";
    } catch (const nlohmann::json::type_error&) {
        return failed(ControlError::Kind::bad_request,
                      "an argument is not UTF-8 text (check the terminal's character set); "
                      "nothing was sent");
    }
    const std::string denied =
        "permission denied on " + path_ + ": run as root or as a member of the daemon's group";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof addr.sun_path)
        return failed(ControlError::Kind::bad_path, "control socket path too long: " + path_);
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return failed(ControlError::Kind::protocol, std::string("socket: ") + std::strerror(errno));
    // Bounds connect() too: on a Unix socket it waits while the daemon's
    // backlog is full, and then fails with EAGAIN.
    timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
    if (setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        return failed(ControlError::Kind::protocol,
                      std::string("setsockopt: ") + std::strerror(errno));
    int rc;
    do {
        rc = connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0 && errno == EISCONN) rc = 0;  // connected while we were interrupted
    if (rc != 0) {
        int err = errno;
        if (err == EACCES || err == EPERM) return failed(ControlError::Kind::not_permitted, denied);
        if (err == EAGAIN || err == EWOULDBLOCK)
            return failed(ControlError::Kind::busy,
                          "gatewayd is busy: its control socket accepts no connection now; "
                          "try again in a moment");
        struct stat st {};
        if ((err == ECONNREFUSED || err == ENOTSOCK) && ::stat(path_.c_str(), &st) == 0 &&
            !S_ISSOCK(st.st_mode))
            return failed(ControlError::Kind::bad_path,
                          path_ + " is a " + (S_ISDIR(st.st_mode) ? "folder" : "file") +
                              ", not a control socket (gatewayd makes the socket that "
                              "control.socket names)");
        return failed(ControlError::Kind::not_running,
                      "gatewayd is not running (cannot connect to " + path_ + ": " +
                          std::strerror(err) + ")");
    }
    std::string why;
    for (size_t sent = 0; sent < line.size();) {
        ssize_t n = send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            // The daemon may have answered before reading us (a refusal):
            // that answer says more than the broken pipe.
            why = "gatewayd closed the connection";
            break;
        }
        sent += static_cast<size_t>(n);
    }
    std::string reply = read_line(fd.get(), timeout_ms_, why);
    if (reply.empty()) return failed(ControlError::Kind::protocol, why);
    auto json = nlohmann::json::parse(reply, nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return failed(ControlError::Kind::protocol, "gatewayd sent a malformed reply");
    if (!json.value("ok", false)) {
        std::string what = json.value("error", std::string("request refused"));
        // The server's credential check (SO_PEERCRED) answers before closing.
        if (what == "permission denied") return failed(ControlError::Kind::not_permitted, denied);
        if (json.value("busy", false))
            return failed(ControlError::Kind::busy, "gatewayd is " + what);
        if (json.value("stopping", false)) return failed(ControlError::Kind::stopping, what);
        return failed(ControlError::Kind::refused, what);
    }
    return json;
}

}  // namespace gw
