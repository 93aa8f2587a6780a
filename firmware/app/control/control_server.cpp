#include "control_server.hpp"

#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include "config/start_checks.hpp"

namespace gw {
namespace {

using nlohmann::json;

// Whether the socket's pending error is the peer's reset (it closed with
// data of ours unread); reading it clears it.
bool peer_reset(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return false;
    return err == ECONNRESET || err == EPIPE;
}

// The client's supplementary groups, from the kernel (SO_PEERGROUPS, Linux
// 4.13); where it cannot say, from the group database for the client's user.
std::vector<gid_t> peer_groups(int fd, uid_t uid, gid_t gid) {
    std::vector<gid_t> groups(32);
#ifdef SO_PEERGROUPS
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
            groups.resize(len / sizeof(gid_t));
            return groups;
        }
        if (errno != ERANGE) break;
        groups.resize(len / sizeof(gid_t) + 1);  // len says how much it needs
    }
#else
    (void)fd;
#endif
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found) return {};
    int n = static_cast<int>(groups.size());
    if (::getgrouplist(pw.pw_name, gid, groups.data(), &n) < 0) {
        groups.resize(static_cast<size_t>(n));
        if (::getgrouplist(pw.pw_name, gid, groups.data(), &n) < 0) return {};
    }
    groups.resize(static_cast<size_t>(n));
    return groups;
}

// The loop wakes at least this often even if nobody writes its eventfd: a
// lost wake-up, or a Clock that was stepped, costs at most this much.
constexpr int64_t kMaxPollMs = 1000;
// How long accept() rests after running out of descriptors.
constexpr int64_t kAcceptPauseMs = 200;
// Lines taken from one client per loop turn: one busy client cannot starve others.
constexpr int kLinesPerTurn = 8;

bool fill_address(const std::string& path, sockaddr_un& addr) {
    addr = {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
}

// strerror(errno): the socket calls' errors, after the context the caller names.
std::string last_error() {
    return std::strerror(errno);
}

}  // namespace

struct ControlServer::Client {
    uint64_t id = 0;  // replies find their client by id: a descriptor number is reused
    UniqueFd fd;
    Peer peer;
    std::string in;   // received, not yet taken as requests
    std::string out;  // the reply being sent
    size_t out_sent = 0;
    bool running = false;  // a command runs for it: its next lines wait (replies stay in order)
    bool eof = false;      // it sent everything: close once its requests are answered
    bool hup = false;      // it closed both ways: answers go nowhere
    bool closing = false;  // close once `out` is sent (request too long)
    bool dead = false;
    int64_t last_progress_ms = 0;  // a complete request, reply bytes read, or a reply ready

    // A request is a line; the last one may end with the end of input
    // instead of a newline (`printf '{"cmd":"status"}' | socat - UNIX:...`).
    bool has_request() const { return in.find('\n') != std::string::npos || (eof && !in.empty()); }
    bool waiting_for_us() const { return running || out_sent < out.size(); }
};

// Replies of commands, handed from whatever thread ran them to the loop.
struct ControlServer::Mailbox {
    UniqueFd wake;  // eventfd: a reply is waiting, or stop
    std::mutex mutex;
    std::vector<std::pair<uint64_t, std::string>> replies;
    bool open = true;

    void ring() const {
        uint64_t one = 1;
        // Fails only if the counter would overflow; kMaxPollMs bounds a lost ring anyway.
        if (::write(wake.get(), &one, sizeof one) != sizeof one) return;
    }
    void post(uint64_t client, std::string line) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (!open) return;  // the server stopped: nobody to answer
            replies.emplace_back(client, std::move(line));
        }
        ring();
    }
    std::vector<std::pair<uint64_t, std::string>> take() {
        uint64_t count;
        // Non-blocking; EAGAIN just means nobody rang since the last take.
        if (::read(wake.get(), &count, sizeof count) != sizeof count) count = 0;
        std::lock_guard<std::mutex> lock(mutex);
        return std::exchange(replies, {});
    }
    void close() {
        std::lock_guard<std::mutex> lock(mutex);
        open = false;
        replies.clear();
    }
};

ControlServer::ControlServer(std::string socket_path, std::string group, Dispatcher& commands,
                             const Clock& clock, Log& log, ControlLimits limits)
    : path_(std::move(socket_path)),
      group_(std::move(group)),
      commands_(commands),
      clock_(clock),
      log_(log),
      limits_(limits),
      mailbox_(std::make_shared<Mailbox>()) {}

ControlServer::~ControlServer() {
    stop();
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
        // A stale socket of a previous run.
        if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
            return fail("control socket " + path_ + ": cannot remove the old one: " + last_error());
    }
    mailbox_->wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!mailbox_->wake) return fail("control socket: eventfd: " + last_error());
    listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listen_) return fail("control socket: " + last_error());
    if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::string why = last_error();
        listen_.reset();
        return fail("control socket " + path_ + ": " + why);
    }
    // From here on the socket file is ours: a failure removes it again.
    auto undo = [&](const std::string& why) -> Status {
        listen_.reset();
        std::string note;
        if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
            note = " (and it could not be removed: " + last_error() + ")";
        return fail("control socket " + path_ + ": " + why + note);
    };
    if (::chmod(path_.c_str(), 0660) != 0) return undo(last_error());
    if (gid_ != static_cast<gid_t>(-1) &&
        ::chown(path_.c_str(), static_cast<uid_t>(-1), gid_) != 0) {
        const std::string why = last_error();  // before the lookups below touch errno
        auto problem = socket_group_problem(group_, gid_, ProcessIds::own());
        return undo("cannot give it to control.group: " + (problem.empty() ? why : problem));
    }
    if (::listen(listen_.get(), 32) != 0) return undo(last_error());
    try {
        thread_ = std::thread([this] { serve(); });
    } catch (const std::system_error& e) {
        return undo(std::string("cannot start its thread: ") + e.what());
    }
    log_.info("control", "listening", {{"socket", path_}});
    return Status::success();
}

void ControlServer::stop() {
    if (thread_.joinable()) {
        stopping_ = true;
        mailbox_->ring();
        thread_.join();
    }
    mailbox_->close();
    if (listen_) {
        listen_.reset();
        if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
            log_.warn("control", "cannot remove the socket",
                      {{"socket", path_}, {"error", last_error()}});
    }
}

bool ControlServer::allowed(const Peer& peer) const {
    // The file mode (0660) is the first gate; this one also covers a socket
    // whose mode was loosened by hand. A technician is usually a member of
    // the daemon's group as a supplementary group (usermod -aG), which the
    // primary gid does not show.
    auto ours = [&](gid_t g) {
        return g == ::getegid() || (gid_ != static_cast<gid_t>(-1) && g == gid_);
    };
    return peer.uid == 0 || peer.uid == ::geteuid() || ours(peer.gid) ||
           std::any_of(peer.groups.begin(), peer.groups.end(), ours);
}

int ControlServer::poll_timeout_ms(int64_t now) const {
    int64_t wait = kMaxPollMs;
    if (accept_paused_until_ > now) wait = std::min(wait, accept_paused_until_ - now);
    for (const auto& [id, c] : clients_) {
        if (c->running) continue;
        // Lines left over from the last turn: no event will come for them.
        if (!c->closing && !c->waiting_for_us() && c->has_request()) return 0;
        wait = std::min(wait, c->last_progress_ms + limits_.idle_ms - now);
    }
    return static_cast<int>(std::max<int64_t>(wait, 0));
}

void ControlServer::serve() {
    std::vector<pollfd> fds;
    std::vector<Client*> polled;
    while (!stopping_) {
        int64_t now = clock_.mono_ms();
        fds.assign({{mailbox_->wake.get(), POLLIN, 0},
                    {accept_paused_until_ > now ? -1 : listen_.get(), POLLIN, 0}});
        polled.clear();
        for (auto& [id, c] : clients_) {
            short events = 0;
            // Reading stops while a long line is pending: memory stays bounded.
            if (!c->eof && !c->closing && c->in.size() <= limits_.max_line) events |= POLLIN;
            if (c->out_sent < c->out.size()) events |= POLLOUT;
            fds.push_back({c->hup ? -1 : c->fd.get(), events, 0});
            polled.push_back(c.get());
        }
        if (::poll(fds.data(), fds.size(), poll_timeout_ms(now)) < 0) {
            if (errno == EINTR) continue;
            log_.error("control", "poll failed: the control socket stops serving",
                       {{"error", last_error()}});
            break;
        }
        now = clock_.mono_ms();
        if (fds[0].revents) deliver_replies(now);
        for (size_t i = 0; i < polled.size(); ++i) on_polled(*polled[i], fds[i + 2].revents, now);
        // A closed peer is not polled (POLLHUP would spin the loop): what
        // it sent beyond a long pending line is read here, turn by turn.
        for (auto& [id, c] : clients_)
            if (c->hup && !c->eof && !c->dead && c->in.size() <= limits_.max_line) read_from(*c);
        sweep();
        if (fds[1].revents) accept_clients(now);
        for (auto& [id, c] : clients_) take_requests(*c, now);
        expire(now);
        sweep();
    }
    clients_.clear();
}

void ControlServer::on_polled(Client& c, short got, int64_t now) {
    if (got & POLLNVAL) c.dead = true;
    if (got & POLLERR) {
        // A peer that closed with an answer of ours unread resets the
        // connection; what it sent before is still here and runs, as on
        // POLLHUP. Reading SO_ERROR clears the error for recv().
        c.hup = true;
        if (!peer_reset(c.fd.get())) c.dead = true;
    }
    // POLLHUP: the peer closed both ways. What it sent still runs (an inject
    // is an inject); the socket is not polled again, since POLLHUP cannot be
    // masked and would spin the loop.
    if (got & POLLHUP) c.hup = true;
    if (got & POLLOUT) write_to(c, now);
    if (got & (POLLIN | POLLHUP)) read_from(c);
}

void ControlServer::accept_clients(int64_t now) {
    // A bounded batch per turn: a connection storm cannot starve the clients.
    for (int i = 0; i < 16; ++i) {
        UniqueFd fd(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!fd) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == EINTR || errno == ECONNABORTED) continue;
            // Out of descriptors or memory: the listen socket stays readable,
            // so rest instead of spinning on it.
            accept_paused_until_ = now + kAcceptPauseMs;
            if (uint64_t n = accept_log_.note(now))
                log_.warn("control", "accept failed", {{"error", last_error()}, {"times", n}});
            return;
        }
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
            // Nobody we can vouch for.
            if (uint64_t n = denied_log_.note(now))
                log_.warn("control", "client refused: no peer credentials",
                          {{"error", last_error()}, {"refused", n}});
            refuse(std::move(fd),
                   Dispatcher::to_line(Dispatcher::error_reply("permission denied")));
            continue;
        }
        Peer peer{cred.pid, cred.uid, cred.gid, {}};
        // The groups only when uid and primary group do not let it in: the
        // group database may be slow (LDAP), and this is the socket's thread.
        if (!allowed(peer)) peer.groups = peer_groups(fd.get(), cred.uid, cred.gid);
        log_.debug("control", "client", {{"pid", peer.pid}, {"uid", peer.uid}, {"gid", peer.gid}});
        if (!admit(fd, peer, now)) continue;
        auto c = std::make_unique<Client>();
        c->id = next_id_++;
        c->fd = std::move(fd);
        c->peer = peer;
        c->last_progress_ms = now;
        const uint64_t id = c->id;
        clients_.emplace(id, std::move(c));
    }
}

// False (after answering and logging) when the new client may not stay.
bool ControlServer::admit(UniqueFd& fd, const Peer& peer, int64_t now) {
    if (!allowed(peer)) {
        if (uint64_t n = denied_log_.note(now))
            log_.warn("control", "client refused: permission denied",
                      {{"pid", peer.pid}, {"uid", peer.uid}, {"refused", n}});
        refuse(std::move(fd), Dispatcher::to_line(Dispatcher::error_reply("permission denied")));
        return false;
    }
    if (clients_.size() < limits_.max_clients || evict_idlest()) return true;
    if (uint64_t n = busy_log_.note(now))
        log_.warn("control", "client refused: every connection is busy",
                  {{"pid", peer.pid}, {"clients", clients_.size()}, {"refused", n}});
    refuse(std::move(fd), Dispatcher::to_line(Dispatcher::busy_reply(
                              "all " + std::to_string(limits_.max_clients) +
                              " control connections are running commands; try again in a moment")));
    return false;
}

// Closes the connection that has waited for nothing from us the longest.
bool ControlServer::evict_idlest() {
    Client* idlest = nullptr;
    for (auto& [id, c] : clients_)
        // One with a whole request read is not idle: its request would be lost.
        if (!c->waiting_for_us() && !c->has_request() &&
            (!idlest || c->last_progress_ms < idlest->last_progress_ms))
            idlest = c.get();
    if (!idlest) return false;
    log_.debug("control", "idle client closed to make room", {{"pid", idlest->peer.pid}});
    idlest->dead = true;
    sweep();
    return true;
}

void ControlServer::refuse(UniqueFd fd, const std::string& reply_line) {
    const std::string line = reply_line + "\n";
    // A fresh socket's buffer takes one short line; if not, the client just
    // sees the connection close.
    if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT) !=
        static_cast<ssize_t>(line.size()))
        log_.debug("control", "refusal not delivered", {{"error", last_error()}});
}

void ControlServer::read_from(Client& c) {
    char buf[4096];
    while (!c.eof && !c.dead && c.in.size() <= limits_.max_line) {
        ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            c.in.append(buf, static_cast<size_t>(n));
        } else if (n == 0 || (n < 0 && errno == ECONNRESET && c.hup)) {
            c.eof = true;  // half-closed: still answer what it sent
        } else if (errno == EINTR) {
            continue;
        } else {
            if (errno != EAGAIN && errno != EWOULDBLOCK) c.dead = true;  // reset by the peer
            return;
        }
    }
}

void ControlServer::write_to(Client& c, int64_t now) {
    while (!c.dead && c.out_sent < c.out.size()) {
        ssize_t n = ::send(c.fd.get(), c.out.data() + c.out_sent, c.out.size() - c.out_sent,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.out_sent += static_cast<size_t>(n);
            c.last_progress_ms = now;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EPIPE) {
            // The peer closed both ways (printf ... | socat -t0): what it sent
            // still runs, as on POLLHUP, and the answers go nowhere.
            c.hup = true;
            c.out.clear();
            c.out_sent = 0;
            return;
        } else {
            // Full buffer: POLLOUT tells when it drains. Anything else: gone.
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) c.dead = true;
            return;
        }
    }
    if (c.out_sent == c.out.size()) {
        c.out.clear();
        c.out_sent = 0;
    }
}

void ControlServer::take_requests(Client& c, int64_t now) {
    for (int taken = 0; taken < kLinesPerTurn && !c.dead && !c.closing && !c.waiting_for_us();
         ++taken) {
        size_t nl = c.in.find('\n');
        if (nl == std::string::npos && c.eof) {
            // Spaces or a '\r' after the last newline are not a request.
            if (c.in.find_first_not_of(" \t\r") == std::string::npos) c.in.clear();
            nl = c.in.empty() ? nl : c.in.size();
        }
        if (nl == std::string::npos) {
            if (c.in.size() > limits_.max_line) {
                c.in.clear();
                c.out = Dispatcher::to_line(Dispatcher::error_reply(
                            "request longer than " + std::to_string(limits_.max_line) + " bytes")) +
                        "\n";
                c.closing = true;
                write_to(c, now);
            }
            return;
        }
        std::string line = c.in.substr(0, nl);
        c.in.erase(0, std::min(nl + 1, c.in.size()));
        c.running = true;
        c.last_progress_ms = now;
        commands_.submit_line(line, c.peer, [box = mailbox_, id = c.id](json reply) {
            box->post(id, Dispatcher::to_line(reply));
        });
        // A quick command has answered already: send it now.
        deliver_replies(now);
    }
}

void ControlServer::deliver_replies(int64_t now) {
    for (auto& [id, line] : mailbox_->take()) {
        auto it = clients_.find(id);
        if (it == clients_.end() || it->second->dead) continue;  // it went away meanwhile
        Client& c = *it->second;
        if (line.size() > limits_.max_reply)
            line = Dispatcher::to_line(Dispatcher::error_reply(
                "reply too large (" + std::to_string(line.size()) + " bytes)"));
        c.running = false;
        c.out = std::move(line) + "\n";
        c.out_sent = 0;
        c.last_progress_ms = now;
        write_to(c, now);
    }
}

void ControlServer::expire(int64_t now) {
    for (auto& [id, c] : clients_) {
        if (c->dead || c->running) continue;
        const bool flushed = c->out_sent == c->out.size();
        if (flushed && (c->closing || (c->eof && !c->has_request()))) {
            c->dead = true;  // said what it had to say, and heard the answer
        } else if (now - c->last_progress_ms >= limits_.idle_ms) {
            log_.debug("control", flushed ? "idle client closed" : "client not reading: closed",
                       {{"pid", c->peer.pid}});
            c->dead = true;
        }
    }
}

void ControlServer::sweep() {
    for (auto it = clients_.begin(); it != clients_.end();)
        it = it->second->dead ? clients_.erase(it) : std::next(it);
}

}  // namespace gw
