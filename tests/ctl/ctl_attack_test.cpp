// A running gatewayd against clients that try to lock its control socket:
// idle connections beyond the limit, and a client that pipelines requests
// and never reads. A technician's gatewayctl is still answered.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/unique_fd.hpp"
#include "ctl_fixture.hpp"

#include <CppUTest/TestHarness.h>

using gw::test::eventually;
using gw::test::RunResult;
using gw::test::Site;

namespace {

gw::UniqueFd connect_raw(const std::string& path) {
    gw::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (!fd || connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot connect to " + path + ": " + std::strerror(errno));
    return fd;
}

}  // namespace

TEST_GROUP(CtlAttack) {
    std::unique_ptr<Site> site;
    void setup() override {
        site = std::make_unique<Site>();
        site->start_daemon();
    }
    void teardown() override {
        site.reset();
    }
    void check_status_answers() {
        RunResult r = site->ctl({"status"});
        LONGS_EQUAL_TEXT(0, r.code, (r.out + r.err + site->daemon_log()).c_str());
        STRCMP_CONTAINS("store alarm", r.out.c_str());
    }
};

TEST(CtlAttack, IdleConnectionsBeyondTheLimitLockNobodyOut) {
    // The daemon allows 16 connections; these never send a byte.
    std::vector<gw::UniqueFd> idle;
    for (int i = 0; i < 20; ++i) idle.push_back(connect_raw(site->socket()));
    check_status_answers();
    auto points = site->ctl({"points"});
    LONGS_EQUAL_TEXT(0, points.code, points.err.c_str());
    STRCMP_CONTAINS("water_depth", points.out.c_str());
}

TEST(CtlAttack, AClientThatPipelinesAndNeverReadsFreezesNobody) {
    gw::UniqueFd hog = connect_raw(site->socket());
    CHECK(fcntl(hog.get(), F_SETFL, O_NONBLOCK) == 0);
    const std::string line = "{\"cmd\":\"points\"}\n";
    bool blocked = false;
    CHECK(eventually([&] {
        for (int i = 0; i < 1000 && !blocked; ++i) {
            ssize_t n = send(hog.get(), line.data(), line.size(), MSG_NOSIGNAL);
            blocked = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        }
        return blocked;
    }));
    check_status_answers();
    // The daemon drops the hog (it reads nothing of its replies): its
    // socket then reports the close.
    CHECK(eventually(
        [&] {
            ssize_t n = send(hog.get(), line.data(), line.size(), MSG_NOSIGNAL);
            return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK;
        },
        60000));
    check_status_answers();
}
