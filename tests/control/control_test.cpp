// The control server on a real Unix socket: dispatch, errors, limits.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "control/base64.hpp"
#include "control/control_client.hpp"
#include "control/control_server.hpp"
#include "core/log.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

using nlohmann::json;

namespace {

// Sends raw bytes (not necessarily JSON) and reads one reply line.
std::string raw_exchange(const std::string& path, const std::string& bytes, size_t lines = 1) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return "connect failed";
    }
    send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    std::string reply;
    char buf[512];
    ssize_t n;
    auto count = [&] { return static_cast<size_t>(std::count(reply.begin(), reply.end(), '\n')); };
    while (count() < lines && (n = recv(fd, buf, sizeof buf, 0)) > 0)
        reply.append(buf, static_cast<size_t>(n));
    close(fd);
    return reply;
}

}  // namespace

TEST_GROUP(Control) {
    gw::test::TempDir dir;
    gw::Log log{gw::LogLevel::error};
    std::unique_ptr<gw::ControlServer> server;
    std::string path;
    void setup() override {
        path = dir.file("ctl.sock");
        server = std::make_unique<gw::ControlServer>(path, "", log);
        server->add("echo", [](const json& req, const gw::Peer& peer) {
            return json{{"echo", req.value("text", "")}, {"uid", peer.uid}};
        });
        server->add("boom", [](const json& req, const gw::Peer&) {
            return json{{"n", req.at("missing").get<int>()}};  // throws: key absent
        });
        CHECK(server->start().ok());
    }
    void teardown() override {
        server.reset();
    }
};

TEST(Control, DispatchesAndReportsThePeer) {
    auto r = gw::ControlClient(path).call({{"cmd", "echo"}, {"text", "hi"}});
    CHECK(r.ok());
    CHECK((*r)["ok"].get<bool>());
    STRCMP_EQUAL("hi", (*r)["echo"].get<std::string>().c_str());
    LONGS_EQUAL(getuid(), (*r)["uid"].get<long>());
}

TEST(Control, SocketIsGroupOnly) {
    struct stat st {};
    CHECK(stat(path.c_str(), &st) == 0);
    LONGS_EQUAL(0660, st.st_mode & 0777);
}

TEST(Control, MalformedUnknownAndFailingRequestsGetErrorReplies) {
    auto bad = json::parse(raw_exchange(path, "{not json\n"));
    CHECK_FALSE(bad["ok"].get<bool>());
    STRCMP_CONTAINS("malformed request", bad["error"].get<std::string>().c_str());
    auto nocmd = json::parse(raw_exchange(path, "[1,2]\n"));
    CHECK_FALSE(nocmd["ok"].get<bool>());
    gw::ControlClient client(path);
    gw::ControlError why{};
    auto unknown = client.call({{"cmd", "nope"}}, &why);
    CHECK_FALSE(unknown.ok());
    CHECK(why.kind == gw::ControlError::Kind::refused);
    STRCMP_CONTAINS("unknown command \"nope\" (known: boom, echo)", unknown.error().c_str());
    auto boom = client.call({{"cmd", "boom"}});
    STRCMP_CONTAINS("bad request", boom.error().c_str());
    // Still serving after all that.
    CHECK((*client.call({{"cmd", "echo"}}))["ok"].get<bool>());
}

TEST(Control, OversizedRequestIsRefused) {
    auto reply =
        json::parse(raw_exchange(path, std::string(gw::ControlServer::kMaxLine + 10, 'a')));
    CHECK_FALSE(reply["ok"].get<bool>());
    STRCMP_CONTAINS("longer than", reply["error"].get<std::string>().c_str());
}

TEST(Control, SeveralRequestsOnOneConnection) {
    auto reply = raw_exchange(
        path, "{\"cmd\":\"echo\",\"text\":\"a\"}\n{\"cmd\":\"echo\",\"text\":\"b\"}\n", 2);
    auto nl = reply.find('\n');
    STRCMP_CONTAINS("\"echo\":\"a\"", reply.substr(0, nl).c_str());
    STRCMP_CONTAINS("\"echo\":\"b\"", reply.substr(nl + 1).c_str());
}

TEST(Control, StaleSocketIsReplacedButAFileIsNot) {
    server.reset();  // stop() unlinks; leave a regular file in its place
    dir.write("ctl.sock", "not a socket");
    gw::ControlServer other(path, "", log);
    auto st = other.start();
    CHECK_FALSE(st.ok());
    STRCMP_CONTAINS("exists and is not a socket", st.error().c_str());
}

TEST_GROUP(Base64){};

TEST(Base64, RoundTripsEveryTailLengthAndRejectsGarbage) {
    STRCMP_EQUAL("TWFu", gw::base64_encode({'M', 'a', 'n'}).c_str());
    STRCMP_EQUAL("TWE=", gw::base64_encode({'M', 'a'}).c_str());
    STRCMP_EQUAL("TQ==", gw::base64_encode({'M'}).c_str());
    for (size_t n = 0; n < 10; ++n) {
        std::vector<unsigned char> bytes;
        for (size_t i = 0; i < n; ++i) bytes.push_back(static_cast<unsigned char>(250 + i * 37));
        auto back = gw::base64_decode(gw::base64_encode(bytes));
        CHECK(back.has_value());
        CHECK(*back == bytes);
    }
    CHECK_FALSE(gw::base64_decode("TQ=").has_value());
    CHECK_FALSE(gw::base64_decode("T*==").has_value());
}
