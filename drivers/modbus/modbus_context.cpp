#include "modbus_context.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/ioctl.h>

namespace gw::modbus {

Failure classify_errno(int err) {
    if (err == ETIMEDOUT) return Failure::timeout;
    if (err == EMBBADCRC) return Failure::crc;
    if (err == EMBXACK || err == EMBXSBUSY) return Failure::busy;
    if (err == EMBXGPATH || err == EMBXGTAR) return Failure::unreachable;
    if (err >= EMBXILFUN && err <= EMBXGTAR) return Failure::exception;
    if (err == EMBBADDATA || err == EMBBADEXC || err == EMBUNKEXC || err == EMBMDATA ||
        err == EMBBADSLAVE)
        return Failure::protocol;
    return Failure::connection;
}

std::string error_text(int err) {
    if (err > MODBUS_ENOBASE) {
        switch (err) {
            case EMBXILFUN:
                return "exception 1: illegal function";
            case EMBXILADD:
                return "exception 2: illegal data address";
            case EMBXILVAL:
                return "exception 3: illegal data value";
            case EMBXSFAIL:
                return "exception 4: slave device failure";
            case EMBXACK:
                return "exception 5: acknowledge";
            case EMBXSBUSY:
                return "exception 6: slave device busy";
            case EMBXNACK:
                return "exception 7: negative acknowledge";
            case EMBXMEMPAR:
                return "exception 8: memory parity error";
            case EMBXGPATH:
                return "exception 10: gateway path unavailable";
            case EMBXGTAR:
                return "exception 11: gateway target failed to respond";
            case EMBBADCRC:
                return "invalid CRC";
            case EMBBADDATA:
                return "invalid data";
            case EMBBADEXC:
                return "invalid exception code";
            case EMBMDATA:
                return "too many data";
            case EMBBADSLAVE:
                return "response from the wrong slave";
            default:
                return "modbus error " + std::to_string(err);
        }
    }
    char buf[128];
    // GNU strerror_r returns the text (maybe not in buf); thread-safe either way.
    return strerror_r(err, buf, sizeof buf);
}

void Context::Free::operator()(modbus_t* ctx) const {
    modbus_close(ctx);
    modbus_free(ctx);
}

Result<Context> Context::create(const DeviceConfig& dev) {
    modbus_t* raw = nullptr;
    if (dev.transport == Transport::tcp) {
        raw = modbus_new_tcp_pi(dev.host.c_str(), std::to_string(dev.port).c_str());
    } else {
        raw =
            modbus_new_rtu(dev.serial.c_str(), dev.baud, dev.parity, dev.data_bits, dev.stop_bits);
    }
    if (!raw)
        return fail("cannot create modbus context for " + dev.bus() + ": " + error_text(errno));
    Context c(raw, dev.transport == Transport::tcp, dev.rs485, dev.rts);
    modbus_set_error_recovery(raw, MODBUS_ERROR_RECOVERY_NONE);
    c.set_timeout_ms(dev.timeout_ms);
    return c;
}

Result<Context> Context::serve_tcp(UniqueFd connection) {
    // Address and port are never used: the socket is already connected.
    modbus_t* raw = modbus_new_tcp("127.0.0.1", 0);
    if (!raw) return fail("cannot create modbus context: " + error_text(errno));
    Context c(raw, true, false, "none");
    modbus_set_socket(raw, connection.release());
    c.connected_ = true;
    return c;
}

Status Context::connect() {
    if (connected_) return Status::success();
    if (modbus_connect(ctx_.get()) != 0) return fail(error_text(errno));
    connected_ = true;
    if (!tcp_ && rs485_ && modbus_rtu_set_serial_mode(ctx_.get(), MODBUS_RTU_RS485) != 0) {
        const int err = errno;
        close();
        return fail("cannot switch the line to RS-485 mode: " + error_text(err));
    }
    if (!tcp_ && rts_ != "none") {
        const int mode = rts_ == "up" ? MODBUS_RTU_RTS_UP : MODBUS_RTU_RTS_DOWN;
        if (modbus_rtu_set_rts(ctx_.get(), mode) != 0) {
            const int err = errno;
            close();
            return fail("cannot set RTS control: " + error_text(err));
        }
    }
    return Status::success();
}

void Context::close() {
    modbus_close(ctx_.get());
    connected_ = false;
}

void Context::flush() {
    if (connected_) modbus_flush(ctx_.get());
}

int Context::pending_input() const {
    int n = 0;
    if (!connected_ || tcp_ || ioctl(fd(), FIONREAD, &n) != 0) return 0;
    return n;
}

void Context::set_timeout_ms(int ms) {
    const auto sec = static_cast<uint32_t>(ms / 1000);
    const auto usec = static_cast<uint32_t>((ms % 1000) * 1000);
    modbus_set_response_timeout(ctx_.get(), sec, usec);
    // Between bytes of one frame: a gap this long means the frame is over.
    modbus_set_byte_timeout(ctx_.get(), 0, static_cast<uint32_t>(std::min(ms, 500) * 1000));
}

int Context::read(Table table, int start, int count, ReadBuffers& into) {
    switch (table) {
        case Table::coil:
            return modbus_read_bits(ctx_.get(), start, count, into.bits.data());
        case Table::discrete_input:
            return modbus_read_input_bits(ctx_.get(), start, count, into.bits.data());
        case Table::holding_register:
            return modbus_read_registers(ctx_.get(), start, count, into.regs.data());
        case Table::input_register:
            return modbus_read_input_registers(ctx_.get(), start, count, into.regs.data());
    }
    errno = EINVAL;
    return -1;
}

// Checked: libmodbus refuses a TCP unit id of 248-254, and the request then
// went out with the previous device's id, its registers read as this one's.
Status Context::set_slave(int slave) {
    if (modbus_set_slave(ctx_.get(), slave) != 0)
        return fail("slave " + std::to_string(slave) +
                    " refused by libmodbus: " + error_text(errno));
    return Status::success();
}

}  // namespace gw::modbus
