// A camera URL's TCP endpoint, what it is asked, and its password-free
// form: pure string work (the probe itself: stream_probe_test.cpp).
#include "camera/stream_url.hpp"

#include <CppUTest/TestHarness.h>

using gw::camera::tcp_endpoint;
using gw::camera::without_password;

namespace {

std::string endpoint(const std::string& url) {
    const auto ep = tcp_endpoint(url);
    return ep ? ep->host + " " + ep->port : "none";
}

}  // namespace

TEST_GROUP(StreamUrl){};

TEST(StreamUrl, EndpointFromHostPortAndTheSchemesDefault) {
    STRCMP_EQUAL("10.0.0.5 8554", endpoint("rtsp://10.0.0.5:8554/stream1").c_str());
    STRCMP_EQUAL("10.0.0.5 554", endpoint("rtsp://10.0.0.5/stream1").c_str());
    STRCMP_EQUAL("10.0.0.5 554", endpoint("RTSP://10.0.0.5").c_str());
    STRCMP_EQUAL("cam.local 80", endpoint("http://cam.local/mjpg?x=1").c_str());
    STRCMP_EQUAL("cam.local 443", endpoint("https://cam.local#frag").c_str());
    STRCMP_EQUAL("cam 322", endpoint("rtsps://cam").c_str());
    STRCMP_EQUAL("cam 1935", endpoint("rtmp://cam/live").c_str());
}

// Only RTSP has a request cheap and standard enough to ask (OPTIONS); TLS
// and RTMP handshakes are left to OpenCV, and an HTTP GET would start the stream.
TEST(StreamUrl, OnlyAnRtspCameraIsAskedMoreThanAConnect) {
    auto hello = [](const std::string& url) { return tcp_endpoint(url).value().hello; };
    CHECK_FALSE(hello("rtsp://cam/s").empty());
    CHECK_FALSE(hello("Rtsp://cam/s").empty());
    CHECK_TRUE(hello("http://cam/mjpg").empty());
    CHECK_TRUE(hello("rtsps://cam/s").empty());
    CHECK_TRUE(hello("rtmp://cam/live").empty());
}

TEST(StreamUrl, UserInfoAndIpv6AreNotTheHost) {
    STRCMP_EQUAL("10.0.0.5 554", endpoint("rtsp://admin:p@ss:w@rd@10.0.0.5/s").c_str());
    STRCMP_EQUAL("fe80::1 8554", endpoint("rtsp://u:p@[fe80::1]:8554/s").c_str());
    STRCMP_EQUAL("::1 554", endpoint("rtsp://[::1]/s").c_str());
}

// Nothing to ask: OpenCV is left to say what it makes of these.
TEST(StreamUrl, NoEndpointForFilesDevicesUdpAndMalformedAuthorities) {
    STRCMP_EQUAL("none", endpoint("/var/lib/video.mp4").c_str());
    STRCMP_EQUAL("none", endpoint("/dev/video0").c_str());
    STRCMP_EQUAL("none", endpoint("udp://239.0.0.1:5000").c_str());
    STRCMP_EQUAL("none", endpoint("gopher://cam").c_str());
    STRCMP_EQUAL("none", endpoint("rtsp://:554/s").c_str());
    STRCMP_EQUAL("none", endpoint("rtsp://cam:0/s").c_str());
    STRCMP_EQUAL("none", endpoint("rtsp://cam:65536/s").c_str());
    STRCMP_EQUAL("none", endpoint("rtsp://cam:55x/s").c_str());
    STRCMP_EQUAL("none", endpoint("rtsp://[::1/s").c_str());
    STRCMP_EQUAL("none", endpoint("rtsp://[::1]x/s").c_str());
}

TEST(StreamUrl, ThePasswordIsNeverShown) {
    STRCMP_EQUAL("rtsp://admin:***@10.0.0.5:554/s",
                 without_password("rtsp://admin:secret@10.0.0.5:554/s").c_str());
    STRCMP_EQUAL("rtsp://admin:***@10.0.0.5/s",
                 without_password("rtsp://admin:p@ss@10.0.0.5/s").c_str());
    STRCMP_EQUAL("rtsp://admin@10.0.0.5/s", without_password("rtsp://admin@10.0.0.5/s").c_str());
    STRCMP_EQUAL("rtsp://10.0.0.5/a:b@c", without_password("rtsp://10.0.0.5/a:b@c").c_str());
    STRCMP_EQUAL("/dev/video0", without_password("/dev/video0").c_str());
}
