#include "stream_url.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <utility>

#include "core/unique_fd.hpp"

namespace gw::camera {

namespace {

std::string lowercase(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::optional<std::string> default_port(const std::string& scheme) {
    if (scheme == "rtsp") return "554";
    if (scheme == "rtsps") return "322";
    if (scheme == "http") return "80";
    if (scheme == "https") return "443";
    if (scheme == "rtmp") return "1935";
    return std::nullopt;
}

bool valid_port(const std::string& p) {
    if (p.empty() || p.size() > 5) return false;
    if (!std::all_of(p.begin(), p.end(), [](unsigned char c) { return std::isdigit(c); }))
        return false;
    const int v = std::stoi(p);
    return v >= 1 && v <= 65535;
}

struct AddrInfoFree {
    void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

std::string where(const Endpoint& ep) {
    return (ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host) + ":" + ep.port;
}

using Deadline = std::chrono::steady_clock::time_point;

Deadline after_ms(int ms) {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
}

// Waits until `fd` is ready for `events`, in slices of 100 ms so a stop is
// seen soon. Returns 0, ETIMEDOUT, ECANCELED or the errno of poll.
int wait_ready(int fd, short events, Deadline deadline, const drivers::StopSignal& stop) {
    while (!stop.stopping()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) return ETIMEDOUT;
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
        if (n < 0 && errno != EINTR) return errno;
        if (n > 0) return 0;
    }
    return ECANCELED;
}

// One address: a non-blocking connect. Returns 0 with `fd` connected, or
// the errno that failed it.
int connect_one(const addrinfo& a, int timeout_ms, const drivers::StopSignal& stop, UniqueFd& fd) {
    fd.reset(::socket(a.ai_family, a.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a.ai_protocol));
    if (!fd) return errno;
    if (::connect(fd.get(), a.ai_addr, a.ai_addrlen) == 0) return 0;
    if (errno != EINPROGRESS) return errno;
    if (const int rc = wait_ready(fd.get(), POLLOUT, after_ms(timeout_ms), stop); rc != 0)
        return rc;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
    return err;
}

std::string send_all(int fd, const std::string& data, Deadline deadline,
                     const drivers::StopSignal& stop) {
    size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return std::string("sending OPTIONS: ") + std::strerror(errno);
        if (const int rc = wait_ready(fd, POLLOUT, deadline, stop); rc != 0)
            return std::string("sending OPTIONS: ") + std::strerror(rc);
    }
    return "";
}

// Sends `hello` on a connected socket and reads the answer's header (up to
// 4 KiB): its first bytes show whether an RTSP server speaks, and reading
// the rest lets the camera see its answer taken and a FIN, not a reset.
// Returns "" or why not.
std::string greet(int fd, const std::string& hello, int timeout_ms,
                  const drivers::StopSignal& stop) {
    const Deadline deadline = after_ms(timeout_ms);
    if (std::string why = send_all(fd, hello, deadline, stop); !why.empty()) return why;
    const std::string expected = "RTSP/";
    constexpr size_t kMaxAnswer = 4096;
    std::string got;
    while (got.find("\r\n\r\n") == std::string::npos && got.size() < kMaxAnswer) {
        const bool spoke = got.size() >= expected.size();  // and as RTSP: checked below
        const int rc = wait_ready(fd, POLLIN, deadline, stop);
        if (rc == ETIMEDOUT)
            return spoke ? ""
                         : "connected, but no RTSP answer within " + std::to_string(timeout_ms) +
                               " ms";
        if (rc != 0) return std::strerror(rc);
        char buf[512];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return std::string("reading the answer: ") + std::strerror(errno);
        if (n == 0) return spoke ? "" : "connected, but closed without an RTSP answer";
        got.append(buf, static_cast<size_t>(n));
        if (got.size() >= expected.size() && got.compare(0, expected.size(), expected) != 0) break;
    }
    if (got.compare(0, expected.size(), expected) == 0) return "";
    return "answers, but not as an RTSP server";
}

// Where the authority ([user[:password]@]host[:port]) of `url` starts and
// ends, or nothing when the URL has no scheme.
std::optional<std::pair<size_t, size_t>> authority_span(const std::string& url) {
    const auto sep = url.find("://");
    if (sep == std::string::npos) return std::nullopt;
    const auto start = sep + 3;
    return std::make_pair(start, std::min(url.find_first_of("/?#", start), url.size()));
}

}  // namespace

std::optional<Endpoint> tcp_endpoint(const std::string& url) {
    const auto span = authority_span(url);
    if (!span) return std::nullopt;
    const std::string scheme = lowercase(url.substr(0, span->first - 3));
    auto port = default_port(scheme);
    if (!port) return std::nullopt;
    std::string authority = url.substr(span->first, span->second - span->first);
    size_t user_info = 0;  // user:password@
    if (const auto at = authority.rfind('@'); at != std::string::npos) user_info = at + 1;
    authority.erase(0, user_info);
    Endpoint ep;
    std::string rest;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) return std::nullopt;
        ep.host = authority.substr(1, close - 1);
        rest = authority.substr(close + 1);
    } else {
        const auto colon = authority.find(':');
        ep.host = authority.substr(0, colon);
        rest = colon == std::string::npos ? "" : authority.substr(colon);
    }
    if (!rest.empty()) {
        if (rest.front() != ':') return std::nullopt;
        port = rest.substr(1);
    }
    if (ep.host.empty() || !valid_port(*port)) return std::nullopt;
    ep.port = *port;
    if (scheme == "rtsp") {
        // The camera is asked for the URL it serves, without the user's credentials.
        const std::string target = url.substr(0, span->first) + url.substr(span->first + user_info);
        ep.hello = "OPTIONS " + target + " RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: gatewayd\r\n\r\n";
    }
    return ep;
}

std::string without_password(const std::string& url) {
    const auto span = authority_span(url);
    if (!span || span->second == span->first) return url;
    const auto [start, end] = *span;
    const auto at = url.rfind('@', end - 1);
    if (at == std::string::npos || at < start) return url;
    const auto colon = url.find(':', start);
    if (colon == std::string::npos || colon > at) return url;  // a user, no password
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Status reach(const Endpoint& ep, int timeout_ms, const drivers::StopSignal& stop) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &found); rc != 0)
        return fail(where(ep) + ": " + gai_strerror(rc));
    const std::unique_ptr<addrinfo, AddrInfoFree> list(found);
    std::string why;
    for (const addrinfo* a = list.get(); a != nullptr && !stop.stopping(); a = a->ai_next) {
        UniqueFd fd;
        const int err = connect_one(*a, timeout_ms, stop, fd);
        why = err != 0           ? std::strerror(err)
              : ep.hello.empty() ? ""
                                 : greet(fd.get(), ep.hello, timeout_ms, stop);
        if (why.empty()) return Status::success();
    }
    if (stop.stopping()) return fail(where(ep) + ": stopped");
    return fail(where(ep) + ": " + why);
}

}  // namespace gw::camera
