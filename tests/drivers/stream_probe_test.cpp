// The probe a network camera gets before OpenCV opens it (camera/stream_url),
// against a loopback peer that answers the way a camera's server can: as
// RTSP (any status), as something else, by hanging up, or not at all.
#include "camera/stream_url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "common/stop_signal.hpp"
#include "core/unique_fd.hpp"

#include <CppUTest/TestHarness.h>

using gw::UniqueFd;
using gw::camera::reach;
using gw::camera::tcp_endpoint;

namespace {

// Accepts one connection, reads one request (up to its blank line), sends
// `answer` and waits for the client to hang up; with no answer it hangs up
// itself, or with `hold` keeps the connection open without a word.
class CameraPeer {
  public:
    CameraPeer(std::string answer, bool hold)
        : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)),
          answer_(std::move(answer)),
          hold_(hold) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        CHECK_TRUE(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        CHECK_TRUE(::listen(listener_.get(), 4) == 0);
        CHECK_TRUE(::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~CameraPeer() {
        done_ = true;
        ::shutdown(listener_.get(), SHUT_RDWR);  // wakes accept
        thread_.join();
    }
    std::string url(const std::string& user_info = "") const {
        return "rtsp://" + user_info + "127.0.0.1:" + std::to_string(port_) + "/live?ch=1";
    }
    // What the camera was asked ("" if nothing came within 1 s).
    std::string request() const {
        for (int i = 0; i < 100 && !served_; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return served_ ? request_ : "";
    }
    // Whether the client took the whole answer and closed with a FIN (a
    // close with unread data resets the connection instead).
    bool closed_cleanly() const {
        for (int i = 0; i < 100 && !finished_; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return clean_close_;
    }

  private:
    void serve() {
        UniqueFd conn(::accept(listener_.get(), nullptr, nullptr));
        if (!conn) return;
        char buf[512];
        while (request_.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = ::recv(conn.get(), buf, sizeof buf, 0);
            if (n <= 0) break;
            request_.append(buf, static_cast<size_t>(n));
        }
        served_ = true;
        if (hold_) {
            while (!done_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
            return;
        }
        if (answer_.empty()) return;  // hangs up without a word
        (void)::send(conn.get(), answer_.data(), answer_.size(), MSG_NOSIGNAL);
        clean_close_ = ::recv(conn.get(), buf, sizeof buf, 0) == 0;
        finished_ = true;
    }

    UniqueFd listener_;
    std::string answer_;
    bool hold_;
    int port_ = 0;
    std::string request_;
    std::atomic<bool> served_{false};
    std::atomic<bool> finished_{false};
    std::atomic<bool> clean_close_{false};
    std::atomic<bool> done_{false};
    std::thread thread_;
};

gw::Status probe(const std::string& url, int timeout_ms = 2000) {
    gw::drivers::StopSignal stop;
    return reach(*tcp_endpoint(url), timeout_ms, stop);
}

std::string where(const CameraPeer& peer) {
    return tcp_endpoint(peer.url())->host + ":" + tcp_endpoint(peer.url())->port;
}

}  // namespace

TEST_GROUP(StreamProbe){};

// Any RTSP status means the camera's server is alive: a 401 too (OpenCV
// then authenticates with the URL's credentials, which the probe never sends).
TEST(StreamProbe, AnRtspAnswerOfAnyStatusIsAliveAndThePasswordIsNotSent) {
    CameraPeer peer(
        "RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n"
        "WWW-Authenticate: Digest realm=\"IP Camera\", nonce=\"0a4f113b\", stale=\"FALSE\"\r\n"
        "Date: Sat, 05 Dec 2026 04:15:00 GMT\r\n\r\n",
        false);
    const gw::Status s = probe(peer.url("admin:s3cret@"));
    CHECK_TRUE(s.ok());
    STRCMP_EQUAL(
        ("OPTIONS " + peer.url() + " RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: gatewayd\r\n\r\n").c_str(),
        peer.request().c_str());
    CHECK_TRUE(peer.closed_cleanly());  // its whole answer was read
}

TEST(StreamProbe, ACameraThatConnectsButNeverAnswersIsDeadWithinTheTimeout) {
    CameraPeer peer("", true);
    const auto t0 = std::chrono::steady_clock::now();
    const gw::Status s = probe(peer.url(), 300);
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK_FALSE(s.ok());
    STRCMP_EQUAL((where(peer) + ": connected, but no RTSP answer within 300 ms").c_str(),
                 s.error().c_str());
    CHECK_TRUE(waited >= std::chrono::milliseconds(300));
    CHECK_TRUE(waited < std::chrono::seconds(3));
}

// Another service on the camera's port (a wrong port in the config) and a
// server that hangs up are told apart from a camera that is off.
TEST(StreamProbe, AnotherServiceOrAHangUpIsNotAnRtspCamera) {
    CameraPeer web("HTTP/1.1 400 Bad Request\r\n\r\n", false);
    STRCMP_EQUAL((where(web) + ": answers, but not as an RTSP server").c_str(),
                 probe(web.url()).error().c_str());
    CameraPeer quits("", false);
    STRCMP_EQUAL((where(quits) + ": connected, but closed without an RTSP answer").c_str(),
                 probe(quits.url()).error().c_str());
}

TEST(StreamProbe, AStopEndsTheWaitForAnAnswer) {
    CameraPeer peer("", true);
    gw::drivers::StopSignal stop;
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        stop.stop();
    });
    const auto t0 = std::chrono::steady_clock::now();
    const gw::Status s = reach(*tcp_endpoint(peer.url()), 10000, stop);
    const auto waited = std::chrono::steady_clock::now() - t0;
    stopper.join();
    CHECK_FALSE(peer.request().empty());  // stopped while waiting for the answer
    STRCMP_EQUAL((where(peer) + ": stopped").c_str(), s.error().c_str());
    CHECK_TRUE(waited < std::chrono::seconds(5));
}
