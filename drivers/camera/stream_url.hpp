#pragma once
// A network camera's URL: where it is, whether it answers, how to show it.
//
// Whether the camera's host takes a TCP connection is asked before
// OpenCV opens the stream. OpenCV's FFmpeg backend holds one process-wide
// lock for the whole of an open, so a camera that is switched off or cut
// off held every other camera's open, and the daemon's stop, for up to the
// open timeout. Asked here, the wait is that camera's alone, a stop ends it,
// and the technician gets the reason (refused, no route, timed out, no
// RTSP answer). An RTSP camera is also asked for its OPTIONS, the first
// request of every RTSP session: a camera whose network stack accepts
// connections while its streaming server hangs (a firmware fault) held the
// lock just as long.
#include <optional>
#include <string>

#include "common/stop_signal.hpp"
#include "core/result.hpp"

namespace gw::camera {

struct Endpoint {
    std::string host;  // a name, an IPv4 address or an IPv6 one without brackets
    std::string port;  // digits
    // rtsp://: the OPTIONS request every live RTSP server answers at once
    // (with any status; 401 too). Empty: a connect is all that is asked.
    std::string hello;
};

// The TCP endpoint of a stream URL (rtsp, rtsps, http, https, rtmp; user
// info and path ignored, the scheme's port when none is given), or nothing
// when the URL has no TCP endpoint to ask (a file, a device, udp://, an
// unknown scheme or a malformed authority: OpenCV then says what it makes of it).
std::optional<Endpoint> tcp_endpoint(const std::string& url);

// The URL with the password of its user info replaced by "***": events go
// to the center and logs to whoever reads them, a camera's password to neither.
std::string without_password(const std::string& url);

// Connects to `ep`, sends its hello and reads the first bytes of the answer,
// then closes again: success once any of its addresses accepts (and
// answers as RTSP). Fails with "HOST:PORT: reason" after `timeout_ms` per
// address for the connect and as much for the answer, or at once when
// `stop` is set. Name lookup is not covered by the timeout (cameras are
// usually given by address).
Status reach(const Endpoint& ep, int timeout_ms, const drivers::StopSignal& stop);

}  // namespace gw::camera
