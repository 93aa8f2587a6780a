#pragma once
// RAII owner of one libmodbus context (one bus: a TCP connection or a serial
// line), for the gateway's client side and for servers (sitesim) alike. Not
// thread-safe, like the context itself: one owner thread per context.
#include <modbus/modbus.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "config/device_config.hpp"
#include "config/point_config.hpp"
#include "core/result.hpp"
#include "core/unique_fd.hpp"

namespace gw::modbus {

// What went wrong with a request, from libmodbus's errno.
// exception: the device refuses the request (exceptions 1-4, 7, 8): asking
// again will not help, and its other blocks are fine. busy: it cannot
// answer now (5 acknowledge, 6 busy), and unreachable: a TCP gateway cannot
// reach it (10, 11): both are asked again, then the device has failed.
enum class Failure { none, timeout, crc, protocol, exception, busy, unreachable, connection };

Failure classify_errno(int err);
// Thread-safe text for a libmodbus errno (modbus_strerror is not).
std::string error_text(int err);

// Where one read's answer lands. Sized for the largest answer a peer could
// claim, not for the request: libmodbus 3.1.6 copies what the reply says
// (docs/drivers.md), and a lying or broken device must not write past them.
struct ReadBuffers {
    std::array<uint16_t, 256> regs{};
    std::array<uint8_t, 2048> bits{};
};

class Context {
  public:
    // Creates a context for the bus `dev` lives on (transport settings come
    // from it); error recovery stays NONE: retries and reconnects are ours.
    static Result<Context> create(const DeviceConfig& dev);
    // Server side: a context answering on one accepted TCP connection
    // (modbus_receive / modbus_reply). It owns the socket from here on.
    static Result<Context> serve_tcp(UniqueFd connection);

    Status connect();
    void close();
    bool connected() const { return connected_; }
    void flush();
    // Bytes received on a serial line and not read yet (0 on TCP or closed).
    int pending_input() const;
    void set_timeout_ms(int ms);
    [[nodiscard]] Status set_slave(int slave);
    // One read request: `count` registers or bits of `table` from `start`.
    // libmodbus's answer: how many were read, or -1 with errno set.
    int read(Table table, int start, int count, ReadBuffers& into);
    modbus_t* get() const { return ctx_.get(); }
    bool is_tcp() const { return tcp_; }
    // The connected socket or tty, to poll() on: borrowed, the context closes it.
    int fd() const { return modbus_get_socket(ctx_.get()); }

  private:
    struct Free {
        void operator()(modbus_t* ctx) const;
    };
    Context(modbus_t* ctx, bool tcp, bool rs485, std::string rts)
        : ctx_(ctx), tcp_(tcp), rs485_(rs485), rts_(std::move(rts)) {}
    std::unique_ptr<modbus_t, Free> ctx_;
    bool tcp_ = true;
    bool rs485_ = false;
    std::string rts_;
    bool connected_ = false;
};

}  // namespace gw::modbus
