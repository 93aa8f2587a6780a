#include "sim_server.hpp"

#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace gw::sitesim {

// Not in the anonymous namespace: Simulator::Slave (external linkage) holds one.
struct MappingFree {
    void operator()(modbus_mapping_t* m) const { modbus_mapping_free(m); }
};

namespace {

// Each table holds addresses 0..kTableSize-1; beyond it libmodbus answers
// "illegal data address", as a real device would.
constexpr int kTableSize = 10000;

// `fd` is borrowed from its owner (a UniqueFd or a modbus::Context).
bool wait_readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

void sleep_ms(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// `fd` is borrowed from its owner (a modbus::Context).
bool write_all(int fd, const uint8_t* data, size_t len) {
    while (len > 0) {
        const ssize_t n = ::write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        len -= static_cast<size_t>(n);
    }
    return true;
}

// Length of an RTU request from its first bytes, or -1 if not yet known or
// not a function this simulator parses (then the frame ends at a silence).
int rtu_request_length(const uint8_t* buf, int n) {
    if (n < 2) return -1;
    const int fc = buf[1];
    if (fc >= 1 && fc <= 6) return 8;
    if ((fc == 15 || fc == 16) && n >= 7) return 9 + buf[6];
    return -1;
}

// The serial line sitesim serves RTU on, in the terms the drivers' context takes.
DeviceConfig rtu_line(const std::string& device, int baud, char parity, int data_bits,
                      int stop_bits) {
    DeviceConfig line;
    line.transport = Transport::rtu;
    line.serial = device;
    line.baud = baud;
    line.parity = parity;
    line.data_bits = data_bits;
    line.stop_bits = stop_bits;
    return line;
}

}  // namespace

uint16_t crc16(const uint8_t* data, size_t len) {
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < len; ++i) {
        crc ^= data[i];
        for (int b = 0; b < 8; ++b)
            crc = (crc & 1) ? static_cast<uint16_t>((crc >> 1) ^ 0xA001) : crc >> 1;
    }
    return crc;
}

struct Simulator::Slave {
    std::unique_ptr<modbus_mapping_t, MappingFree> map;
    Fault fault;
    SlaveStats stats;
};

Simulator::Simulator(Scenario scenario, SimOptions options)
    : scenario_(std::move(scenario)), options_(options) {
    for (int id : scenario_.slaves) ensure_slave(id);
}

Simulator::~Simulator() {
    stop();
}

Simulator::Slave& Simulator::ensure_slave(int id) {
    auto& s = slaves_[id];
    if (!s) {
        s = std::make_unique<Slave>();
        s->map.reset(modbus_mapping_new(kTableSize, kTableSize, kTableSize, kTableSize));
        if (!s->map) throw std::bad_alloc();
    }
    return *s;
}

Simulator::Slave* Simulator::slave(int id) {
    auto it = slaves_.find(id);
    return it == slaves_.end() ? nullptr : it->second.get();
}

void Simulator::set_fault(int slave_id, Fault fault) {
    std::lock_guard<std::mutex> lock(mutex_);
    ensure_slave(slave_id).fault = fault;
    fault_overrides_[slave_id] = fault;
}

void Simulator::set_value(int slave_id, Table table, int address, uint16_t value) {
    std::lock_guard<std::mutex> lock(mutex_);
    modbus_mapping_t* m = ensure_slave(slave_id).map.get();
    if (address < 0 || address >= kTableSize) return;
    switch (table) {
        case Table::coil:
            m->tab_bits[address] = value ? 1 : 0;
            break;
        case Table::discrete_input:
            m->tab_input_bits[address] = value ? 1 : 0;
            break;
        case Table::input_register:
            m->tab_input_registers[address] = value;
            break;
        case Table::holding_register:
            m->tab_registers[address] = value;
            break;
    }
}

std::map<int, SlaveStats> Simulator::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::map<int, SlaveStats> out;
    for (const auto& [id, s] : slaves_) out[id] = s->stats;
    return out;
}

std::vector<int> Simulator::slaves() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<int> ids;
    for (const auto& kv : slaves_) ids.push_back(kv.first);
    return ids;
}

// Plays the scenario in real time (scaled by speed). Faults given on the
// command line win over scripted ones for their slave.
void Simulator::play() {
    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    size_t i = 0;
    while (!stopping_) {
        if (i == scenario_.steps.size()) {
            if (!options_.loop || scenario_.steps.empty()) return;
            t0 += std::chrono::duration_cast<clock::duration>(
                std::chrono::duration<double>((scenario_.duration_s + 1.0) / options_.speed));
            i = 0;
        }
        const Step& st = scenario_.steps[i];
        const auto due = t0 + std::chrono::duration_cast<clock::duration>(
                                  std::chrono::duration<double>(st.t_s / options_.speed));
        if (clock::now() < due) {
            std::this_thread::sleep_for(
                std::min<clock::duration>(due - clock::now(), std::chrono::milliseconds(100)));
            continue;
        }
        if (st.is_fault) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!fault_overrides_.count(st.slave)) ensure_slave(st.slave).fault = st.fault;
        } else {
            set_value(st.slave, st.table, st.address, st.value);
        }
        ++i;
    }
}

Status Simulator::start_tcp(const std::string& host, int port) {
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener) return fail(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
        return fail("not an IPv4 address: " + host);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener.get(), 16) != 0) {
        const std::string err = std::strerror(errno);
        return fail("cannot listen on " + host + ":" + std::to_string(port) + ": " + err);
    }
    listen_fd_ = std::move(listener);
    stopping_ = false;
    player_ = std::thread([this] { play(); });
    server_ = std::thread([this] { accept_loop(); });
    return Status::success();
}

void Simulator::accept_loop() {
    while (!stopping_) {
        if (!wait_readable(listen_fd_.get(), 100)) continue;
        UniqueFd connection(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!connection) continue;
        std::lock_guard<std::mutex> lock(conn_mutex_);
        // Reap finished connections so reconnecting clients don't grow the list.
        for (auto it = connections_.begin(); it != connections_.end();) {
            if (it->done->load()) {
                it->thread.join();
                it = connections_.erase(it);
            } else {
                ++it;
            }
        }
        auto done = std::make_shared<std::atomic<bool>>(false);
        connections_.push_back({std::thread([this, fd = std::move(connection), done]() mutable {
                                    serve_tcp_connection(std::move(fd));
                                    done->store(true);
                                }),
                                done});
    }
}

void Simulator::serve_tcp_connection(UniqueFd connection) {
    auto ctx = modbus::Context::serve_tcp(std::move(connection));
    if (!ctx) return;  // the socket is closed: the client reconnects
    std::vector<uint8_t> req(MODBUS_TCP_MAX_ADU_LENGTH);
    const auto warm_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.warmup_ms);
    while (!stopping_) {
        // Poll first so a stop is seen within 100 ms on an idle connection.
        if (!wait_readable(ctx->fd(), 100)) continue;
        const int n = modbus_receive(ctx->get(), req.data());
        if (n < 0) return;  // closed or broken: the client reconnects
        if (n == 0) continue;
        if (std::chrono::steady_clock::now() < warm_at) {
            early_requests_++;  // a gateway still starting: the request is lost
            continue;
        }
        handle(*ctx, req.data(), n, false);
    }
}

// The line is opened here, so that "ready" (printed after this returns)
// means serving: a device that cannot be opened is an error at start.
Status Simulator::start_rtu(const std::string& device, int baud, char parity, int data_bits,
                            int stop_bits) {
    auto ctx = modbus::Context::create(rtu_line(device, baud, parity, data_bits, stop_bits));
    if (!ctx) return fail("invalid serial settings for " + device);
    if (auto s = ctx->connect(); !s) return fail("cannot open " + device + ": " + s.error());
    rtu_ = std::make_unique<modbus::Context>(std::move(*ctx));
    stopping_ = false;
    player_ = std::thread([this] { play(); });
    server_ = std::thread([this] { serve_rtu(); });
    return Status::success();
}

// RTU: libmodbus's receive filters frames by the context's one slave id, but
// one simulated bus carries several slaves, so frames are read here (length
// from the function code, else the end of a silence), their CRC checked, and
// libmodbus answers them.
void Simulator::serve_rtu() {
    modbus::Context& ctx = *rtu_;
    const int fd = ctx.fd();  // borrowed: the context closes it
    uint8_t buf[MODBUS_RTU_MAX_ADU_LENGTH];
    while (!stopping_) {
        if (!wait_readable(fd, 100)) continue;
        int n = 0;
        bool hung_up = false;
        while (n < static_cast<int>(sizeof buf)) {
            const ssize_t r = ::read(fd, buf + n, sizeof buf - static_cast<size_t>(n));
            if (r <= 0) {
                hung_up = r == 0 || (errno != EAGAIN && errno != EINTR);
                break;
            }
            n += static_cast<int>(r);
            const int want = rtu_request_length(buf, n);
            if (want > 0 && n >= want) {
                n = want;
                break;
            }
            if (!wait_readable(fd, 20)) break;  // silence: the frame is over
        }
        // The other end of the line is gone (socat ended): poll() says
        // readable at once for ever, so rest rather than spin a core.
        if (hung_up && n == 0) sleep_ms(100);
        if (n < 4 || crc16(buf, static_cast<size_t>(n - 2)) != (buf[n - 2] | (buf[n - 1] << 8)))
            continue;  // noise or a broken frame: a real slave stays silent
        handle(ctx, buf, n, true);
    }
}

namespace {

// A read response built by hand, for faults libmodbus cannot produce.
std::vector<uint8_t> rtu_read_response(int slave, const uint8_t* req, modbus_mapping_t* m) {
    const int fc = req[1];
    const int addr = (req[2] << 8) | req[3];
    const int nb = (req[4] << 8) | req[5];
    std::vector<uint8_t> out{static_cast<uint8_t>(slave), static_cast<uint8_t>(fc)};
    if (fc == 3 || fc == 4) {
        const uint16_t* tab = fc == 3 ? m->tab_registers : m->tab_input_registers;
        out.push_back(static_cast<uint8_t>(nb * 2));
        for (int i = 0; i < nb && addr + i < kTableSize; ++i) {
            out.push_back(static_cast<uint8_t>(tab[addr + i] >> 8));
            out.push_back(static_cast<uint8_t>(tab[addr + i] & 0xFF));
        }
    } else {
        const uint8_t* tab = fc == 1 ? m->tab_bits : m->tab_input_bits;
        out.push_back(static_cast<uint8_t>((nb + 7) / 8));
        for (int byte = 0; byte < (nb + 7) / 8; ++byte) {
            uint8_t v = 0;
            for (int b = 0; b < 8 && byte * 8 + b < nb && addr + byte * 8 + b < kTableSize; ++b)
                if (tab[addr + byte * 8 + b]) v |= static_cast<uint8_t>(1 << b);
            out.push_back(v);
        }
    }
    const uint16_t crc = crc16(out.data(), out.size());
    out.push_back(static_cast<uint8_t>(crc & 0xFF));
    out.push_back(static_cast<uint8_t>(crc >> 8));
    return out;
}

// The same response as TCP: the request's MBAP header (transaction id,
// protocol, unit), the length of unit id + PDU, the PDU without the CRC.
std::vector<uint8_t> tcp_from_rtu(const uint8_t* tcp_req, const std::vector<uint8_t>& rtu) {
    if (rtu.size() < 3) return {};      // not a frame (and GCC can see the bounds below)
    const size_t pdu = rtu.size() - 3;  // no slave byte, no CRC
    std::vector<uint8_t> out{tcp_req[0],
                             tcp_req[1],
                             0,
                             0,
                             static_cast<uint8_t>((pdu + 1) >> 8),
                             static_cast<uint8_t>((pdu + 1) & 0xFF),
                             tcp_req[6]};
    out.insert(out.end(), rtu.begin() + 1, rtu.end() - 2);
    return out;
}

// A read (function 1-4) that starts at `address`.
bool reads_at(const uint8_t* req, int header, int address) {
    const int fc = req[header];
    const int start = (req[header + 1] << 8) | req[header + 2];
    return fc >= 1 && fc <= 4 && start == address;
}

}  // namespace

// The answer to a read request (function 1-4), framed for the wire, built
// here so a fault can mangle or pace it.
std::vector<uint8_t> Simulator::read_response(int id, const uint8_t* req, int header, bool rtu) {
    std::vector<uint8_t> rsp;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        // From the unit id on, a TCP request reads as an RTU one.
        rsp = rtu_read_response(id, req + header - 1, slave(id)->map.get());
    }
    return rtu ? rsp : tcp_from_rtu(req, rsp);
}

void Simulator::handle(modbus::Context& context, const uint8_t* req, int len, bool rtu) {
    modbus_t* ctx = context.get();
    const int header = modbus_get_header_length(ctx);
    const int id = req[header - 1];
    Fault fault;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        Slave* s = slave(id);
        if (!s) {
            // On a bus nobody answers for an absent slave; a TCP gateway says so.
            if (!rtu) modbus_reply_exception(ctx, req, MODBUS_EXCEPTION_GATEWAY_TARGET);
            return;
        }
        s->stats.requests++;
        fault = s->fault;
        if (fault.kind == FaultKind::drop &&
            s->stats.requests % static_cast<uint64_t>(fault.arg) != 0)
            fault.kind = FaultKind::none;  // only every Nth request is lost
        if (fault.kind == FaultKind::babble && s->stats.requests % 2 == 0)
            fault.kind = FaultKind::none;  // every other request, so a retry can succeed
        if (fault.kind == FaultKind::silent_at && !reads_at(req, header, fault.arg))
            fault.kind = FaultKind::none;
        if (fault.kind != FaultKind::none) s->stats.faulted++;
    }
    const int fc = req[header];
    // A read's answer with its CRC spoilt, as a noisy line leaves it.
    auto send_bad_crc = [&] {
        std::vector<uint8_t> rsp = read_response(id, req, header, rtu);
        rsp.back() ^= 0x5A;
        write_all(context.fd(), rsp.data(), rsp.size());
    };
    switch (fault.kind) {
        case FaultKind::no_answer:
        case FaultKind::drop:
        case FaultKind::silent_at:
            return;
        case FaultKind::late:
            sleep_ms(fault.arg);
            break;
        case FaultKind::exception:
            modbus_reply_exception(ctx, req, static_cast<unsigned>(fault.arg));
            return;
        case FaultKind::bad_crc:
            if (rtu && fc >= 1 && fc <= 4) {
                send_bad_crc();
                return;
            }
            break;
        case FaultKind::babble:
            if (rtu && fc >= 1 && fc <= 4) {
                send_bad_crc();
                // The rest of a frame whose byte count was garbled: the
                // client stopped reading at the count, the line goes on.
                // To a deadline: on a loaded machine each 1 ms sleep takes longer.
                const uint8_t noise = 0xAA;
                const auto end =
                    std::chrono::steady_clock::now() + std::chrono::milliseconds(fault.arg);
                while (std::chrono::steady_clock::now() < end && !stopping_) {
                    if (!write_all(context.fd(), &noise, 1)) return;
                    sleep_ms(1);
                }
                return;
            }
            break;
        case FaultKind::trickle:
            if (fc >= 1 && fc <= 4) {
                const std::vector<uint8_t> rsp = read_response(id, req, header, rtu);
                // A byte at a time, each within the client's byte timeout.
                for (size_t i = 0; i < rsp.size() && !stopping_; ++i) {
                    if (!write_all(context.fd(), &rsp[i], 1)) return;
                    sleep_ms(fault.arg);
                }
                return;
            }
            break;
        case FaultKind::wrong_slave:
        case FaultKind::none:
            break;
    }
    std::vector<uint8_t> copy(req, req + len);
    if (fault.kind == FaultKind::wrong_slave) copy[header - 1] = static_cast<uint8_t>(id % 247 + 1);
    std::lock_guard<std::mutex> lock(mutex_);
    Slave* s = slave(id);
    if (modbus_reply(ctx, copy.data(), len, s->map.get()) > 0) s->stats.answered++;
}

void Simulator::stop() {
    stopping_ = true;
    if (player_.joinable()) player_.join();
    if (server_.joinable()) server_.join();
    rtu_.reset();
    std::vector<Connection> conns;
    {
        std::lock_guard<std::mutex> lock(conn_mutex_);
        conns.swap(connections_);
    }
    for (auto& c : conns) c.thread.join();
    listen_fd_.reset();
}

}  // namespace gw::sitesim
