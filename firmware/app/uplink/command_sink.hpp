#pragma once
// Where the uplink hands the commands it receives on
// {prefix}/{site}/{gateway}/cmd/{name} (the command channel, app/command).
#include <string>

namespace gw::uplink {

class CommandSink {
  public:
    virtual ~CommandSink() = default;
    // Called on the MQTT client's thread, once per message received. Must make
    // the command durable (or refuse it) before returning and must not call
    // into the transport; executing it belongs on another thread. `retained`:
    // the broker kept the message and replays it at every subscribe.
    virtual void on_command(const std::string& name, const std::string& payload, bool retained) = 0;
};

}  // namespace gw::uplink
