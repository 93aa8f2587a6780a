#include "control_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace gw {
namespace {

using nlohmann::json;

std::string error_reply(const std::string& what) {
    return json{{"ok", false}, {"error", what}}.dump();
}

bool fill_address(const std::string& path, sockaddr_un& addr) {
    addr = {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
}

void send_line(int fd, const std::string& reply) {
    std::string line = reply + "\n";
    size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
        if (n <= 0)
            return;  // peer gone or too slow (SO_SNDTIMEO): drop it, never block the loop for long
        off += static_cast<size_t>(n);
    }
}

struct Client {
    int fd;
    Peer peer;
    std::string buf;
};

}  // namespace

ControlServer::ControlServer(std::string socket_path, std::string group, Log& log)
    : path_(std::move(socket_path)), group_(std::move(group)), log_(log) {}

ControlServer::~ControlServer() {
    stop();
}

void ControlServer::add(const std::string& cmd, Handler handler) {
    handlers_[cmd] = std::move(handler);
}

Status ControlServer::start() {
    if (!group_.empty()) {
        group* g = ::getgrnam(group_.c_str());
        if (!g) return fail("control.group \"" + group_ + "\" does not exist");
        gid_ = g->gr_gid;
    }
    sockaddr_un addr;
    if (!fill_address(path_, addr)) return fail("control.socket path too long: " + path_);
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return fail("control.socket " + path_ + " exists and is not a socket");
        ::unlink(path_.c_str());  // stale socket of a previous run
    }
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd_ < 0) return fail(std::string("control socket: ") + std::strerror(errno));
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::chmod(path_.c_str(), 0660) != 0 ||
        (gid_ != static_cast<gid_t>(-1) &&
         ::chown(path_.c_str(), static_cast<uid_t>(-1), gid_) != 0) ||
        ::listen(listen_fd_, 8) != 0) {
        std::string why = std::strerror(errno);
        ::close(listen_fd_);
        listen_fd_ = -1;
        return fail("control socket " + path_ + ": " + why);
    }
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    thread_ = std::thread([this] { serve(); });
    log_.info("control", "listening", {{"socket", path_}});
    return Status::success();
}

void ControlServer::stop() {
    if (thread_.joinable()) {
        uint64_t one = 1;
        (void)::write(stop_fd_, &one, sizeof one);
        thread_.join();
    }
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
        ::unlink(path_.c_str());
        listen_fd_ = -1;
    }
    if (stop_fd_ >= 0) {
        ::close(stop_fd_);
        stop_fd_ = -1;
    }
}

bool ControlServer::allowed(const Peer& peer) const {
    // The file mode (0660) is the first gate; this one also covers a socket
    // whose mode was loosened by hand.
    return peer.uid == 0 || peer.uid == ::geteuid() || peer.gid == ::getegid() ||
           (gid_ != static_cast<gid_t>(-1) && peer.gid == gid_);
}

std::string ControlServer::dispatch(const std::string& line, const Peer& peer) {
    json req = json::parse(line, nullptr, false);
    if (req.is_discarded() || !req.is_object())
        return error_reply("malformed request: expected one JSON object per line");
    auto cmd = req.find("cmd");
    if (cmd == req.end() || !cmd->is_string())
        return error_reply("request needs \"cmd\" (a string)");
    auto h = handlers_.find(cmd->get<std::string>());
    if (h == handlers_.end()) {
        std::string known;
        for (const auto& [name, _] : handlers_) known += (known.empty() ? "" : ", ") + name;
        return error_reply("unknown command \"" + cmd->get<std::string>() + "\" (known: " + known +
                           ")");
    }
    json reply;
    try {
        reply = h->second(req, peer);
    } catch (const std::exception& e) {
        // A handler bug or a request of the wrong shape (json type_error).
        return error_reply(std::string("bad request: ") + e.what());
    }
    if (!reply.is_object()) reply = json{{"result", reply}};
    if (!reply.contains("ok")) reply["ok"] = true;
    return reply.dump(-1, ' ', false, json::error_handler_t::replace);
}

void ControlServer::serve() {
    std::vector<Client> clients;
    for (;;) {
        std::vector<pollfd> fds{{stop_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
        for (const auto& c : clients) fds.push_back({c.fd, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
        if (fds[0].revents) break;
        for (size_t i = clients.size(); i-- > 0;) {
            if (!fds[i + 2].revents) continue;
            Client& c = clients[i];
            char buf[4096];
            ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
            bool close_it = n <= 0;
            if (n > 0) c.buf.append(buf, static_cast<size_t>(n));
            size_t nl;
            while (!close_it && (nl = c.buf.find('\n')) != std::string::npos) {
                std::string line = c.buf.substr(0, nl);
                c.buf.erase(0, nl + 1);
                send_line(c.fd, dispatch(line, c.peer));
            }
            if (!close_it && c.buf.size() > kMaxLine) {
                send_line(c.fd, error_reply("request longer than " + std::to_string(kMaxLine) +
                                            " bytes"));
                close_it = true;
            }
            if (close_it) {
                ::close(c.fd);
                clients.erase(clients.begin() + static_cast<long>(i));
            }
        }
        if (fds[1].revents) {
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            ucred cred{};
            socklen_t len = sizeof cred;
            Peer peer;
            if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
                peer = {cred.pid, cred.uid, cred.gid};
            timeval tv{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            log_.debug("control", "client",
                       {{"pid", peer.pid}, {"uid", peer.uid}, {"gid", peer.gid}});
            if (!allowed(peer) || clients.size() >= kMaxClients) {
                log_.warn("control", "client refused", {{"pid", peer.pid}, {"uid", peer.uid}});
                send_line(fd, error_reply(clients.size() >= kMaxClients ? "too many clients"
                                                                        : "permission denied"));
                ::close(fd);
                continue;
            }
            clients.push_back({fd, peer, {}});
        }
    }
    for (auto& c : clients) ::close(c.fd);
}

}  // namespace gw
