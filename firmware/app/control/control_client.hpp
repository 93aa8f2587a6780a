#pragma once
// The client side of the daemon's control socket (gatewayctl, tests): one
// newline-delimited JSON request, one JSON reply. Errors come back as
// messages a technician can act on ("gatewayd is not running", "permission
// denied ...", "gatewayd is busy ..."), with a kind that decides gatewayctl's
// exit code.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace gw {

// The longest reply line a client reads; the server refuses to send longer.
constexpr size_t kMaxControlReply = 16 << 20;

struct ControlError {
    // busy: the daemon is up but turned the request away for now (every
    // connection or worker taken); trying again later may work.
    // stopping: the daemon is shutting down (a stop, a reload) and did not
    // run the request.
    // bad_path: the path cannot be a control socket (too long, or a file
    // or folder that is not a socket): a usage error, not a daemon's state.
    // bad_request: the request cannot be sent (an argument not UTF-8).
    enum class Kind {
        not_running,
        not_permitted,
        protocol,
        refused,
        busy,
        stopping,
        bad_path,
        bad_request
    };
    Kind kind;
    std::string message;
};

class ControlClient {
  public:
    explicit ControlClient(std::string socket_path, int timeout_ms = 5000)
        : path_(std::move(socket_path)), timeout_ms_(timeout_ms) {}

    // Sends `request` and returns the reply's JSON (ok:true) or the error.
    // A reply with ok:false becomes ControlError::Kind::refused with its message.
    Result<nlohmann::json> call(const nlohmann::json& request, ControlError* error = nullptr) const;

    const std::string& path() const { return path_; }

  private:
    std::string path_;
    int timeout_ms_;
};

}  // namespace gw
