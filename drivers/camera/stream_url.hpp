#pragma once
// A network camera's URL: where it is, whether it answers, how to show it.
//
// Whether the camera's host takes a TCP connection is asked before
// OpenCV opens the stream. OpenCV's FFmpeg backend holds one process-wide
// lock for the whole of an open, so a camera that is switched off or cut
// off held every other camera's open, and the daemon's stop, for up to the
// open timeout. Asked here, the wait is that camera's alone, a stop ends it,
// and the technician gets the reason (refused, no route, timed out).
#include <optional>
#include <string>

#include "common/stop_signal.hpp"
#include "core/result.hpp"

namespace gw::camera {

struct Endpoint {
    std::string host;  // a name, an IPv4 address or an IPv6 one without brackets
    std::string port;  // digits
};

// The TCP endpoint of a stream URL (rtsp, rtsps, http, https, rtmp; user
// info and path ignored, the scheme's port when none is given), or nothing
// when the URL has no TCP endpoint to ask (a file, a device, udp://, an
// unknown scheme or a malformed authority: OpenCV then says what it makes of it).
std::optional<Endpoint> tcp_endpoint(const std::string& url);

// The URL with the password of its user info replaced by "***": events go
// to the center and logs to whoever reads them, a camera's password to neither.
std::string without_password(const std::string& url);

// Connects to `ep` and closes again: success once any of its addresses
// accepts. Fails with "HOST:PORT: reason" after `timeout_ms` per address,
// or at once when `stop` is set. Name lookup is not covered by the timeout
// (cameras are usually given by address).
Status reach(const Endpoint& ep, int timeout_ms, const drivers::StopSignal& stop);

}  // namespace gw::camera
