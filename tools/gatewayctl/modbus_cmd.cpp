// modbus read / modbus scan: direct bus access for commissioning, with the
// drivers' own context and decoding. Never on a bus the daemon polls: two
// masters on one line garble each other's frames.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "daemon_link.hpp"
#include "modbus/line_settle.hpp"
#include "modbus/modbus_context.hpp"
#include "modbus/modbus_plan.hpp"
#include "options.hpp"
#include "output.hpp"

namespace gw::ctl {
namespace {

using nlohmann::json;

struct ModbusArgs {
    std::string device;
    int slave = 0;       // 0: the device's
    int timeout_ms = 0;  // 0: the device's (read) / 200 (scan)
    int address = -1;    // read: raw registers from here instead of the configured points
    int count = 1;
    std::string table = "holding_register";
    int first = 1;
    int last = 247;
};

// The configured device, or nullptr after printing which ids exist.
const DeviceConfig* find_device(const Config& config, const std::string& id) {
    if (const DeviceConfig* d = config.device(id)) return d;
    std::string known;
    for (const auto& d : config.devices) known += (known.empty() ? "" : ", ") + d.id;
    std::cerr << "gatewayctl: no Modbus device \"" << id << "\" in " << config.file
              << " (devices: " << (known.empty() ? "none" : known) << ")\n";
    return nullptr;
}

// kOk when we may open the bus; otherwise prints why not and returns the code.
int may_open_bus(const Target& target, const Config& config, const std::string& bus) {
    const std::string socket = target.socket.empty() ? config.control.socket : target.socket;
    ControlError why{};
    auto r = ControlClient(socket).call({{"cmd", "owns_bus"}, {"bus", bus}}, &why);
    if (!r) {
        if (why.kind == ControlError::Kind::not_running) {
            std::cerr << "gatewayd is not running: opening " << bus << " directly\n";
            return kOk;
        }
        std::cerr << "gatewayctl: cannot ask gatewayd whether it polls " << bus << ": " << r.error()
                  << "; not opening the bus\n";
        return exit_code_for(why);
    }
    if ((*r).value("owned", true)) {
        std::cerr
            << "gatewayctl: gatewayd is polling " << bus
            << "; a second master would garble its frames. Stop the daemon first "
               "(systemctl stop city-edge-gateway), or use `gatewayctl points` / `devices`.\n";
        return kFailed;
    }
    return kOk;
}

bool sleep_ms(int64_t ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return true;
}

// The bus opened as the daemon's poller uses it: the device's settings
// with the timeout asked for, and after every connect the longest
// connect_pause_ms of the bus's devices (a TCP gateway still setting up
// loses what comes too early).
struct Bus {
    std::unique_ptr<modbus::Context> ctx;
    DeviceConfig device;
    int slave = 0;

    Status connect() {
        if (Status s = ctx->connect(); !s) return s;
        sleep_ms(device.connect_pause_ms);
        ctx->set_timeout_ms(device.timeout_ms);
        return ctx->set_slave(slave);
    }

    struct Outcome {
        modbus::Failure failure = modbus::Failure::none;
        std::string error;
        bool link_down = false;  // a reconnect failed: nothing more can be asked
    };

    // One read as the poller asks it: the device's retries, and what a
    // failed try leaves on the link cleared before the next request
    // (settle_after_failure): a late RTU answer was taken for the next
    // block's and shown as its points' good values.
    Outcome read(gw::Table table, int start, int count, modbus::ReadBuffers& answer, int retries) {
        Outcome o;
        for (int attempt = 0; attempt <= retries; ++attempt) {
            if (attempt > 0) sleep_ms(modbus::retry_pause_ms(device, attempt));
            if (!ctx->connected()) {
                if (Status s = connect(); !s)
                    return {modbus::Failure::connection, "reconnect: " + s.error(), true};
            }
            if (!ctx->is_tcp()) ctx->flush();
            errno = 0;
            const int rc = ctx->read(table, start, count, answer);
            const int err = errno;
            if (rc == count) return {};
            o.failure = rc >= 0 ? modbus::Failure::protocol : modbus::classify_errno(err);
            o.error = rc >= 0
                          ? "short response: " + std::to_string(rc) + " of " + std::to_string(count)
                          : modbus::error_text(err);
            modbus::settle_after_failure(*ctx, device, o.failure, false, sleep_ms);
            // The device (or its gateway) answered: asking again won't help.
            if (o.failure == modbus::Failure::exception ||
                o.failure == modbus::Failure::unreachable)
                break;
        }
        return o;
    }
};

struct Open {
    std::unique_ptr<Bus> bus;
    int rc = kOk;
};

Open open_bus(const Target& target, const Config& config, const DeviceConfig& dev, int slave,
              int timeout_ms) {
    Open o;
    if ((o.rc = may_open_bus(target, config, dev.bus())) != kOk) return o;
    auto ctx = modbus::Context::create(dev);
    if (!ctx) {
        std::cerr << "gatewayctl: " << ctx.error() << "\n";
        o.rc = kFailed;
        return o;
    }
    o.bus =
        std::make_unique<Bus>(Bus{std::make_unique<modbus::Context>(std::move(*ctx)), dev, slave});
    o.bus->device.timeout_ms = timeout_ms;
    for (const auto& other : config.devices)
        if (other.bus() == dev.bus())
            o.bus->device.connect_pause_ms =
                std::max(o.bus->device.connect_pause_ms, other.connect_pause_ms);
    if (auto s = o.bus->connect(); !s) {
        std::cerr << "gatewayctl: cannot open " << dev.bus() << ": " << s.error() << "\n";
        o.rc = kFailed;
        o.bus.reset();
    }
    return o;
}

int read_raw(Bus& bus, const ModbusArgs& a, bool as_json) {
    const gw::Table table = value_of(kTableNames, a.table).value_or(gw::Table::holding_register);
    if (a.count < 1 || a.count > modbus::max_count(table)) {
        std::cerr << "gatewayctl: --count must be 1.." << modbus::max_count(table) << " for "
                  << a.table << "\n";
        return kUsage;
    }
    modbus::ReadBuffers answer;
    if (auto r = bus.read(table, a.address, a.count, answer, bus.device.retries);
        r.failure != modbus::Failure::none) {
        std::cerr << "gatewayctl: reading " << a.count << " " << a.table << " from " << a.address
                  << " of slave " << bus.slave << " on " << bus.device.bus()
                  << " failed: " << r.error << "\n";
        return kFailed;
    }
    json out = json::array();
    Table t({"address", "value", "hex"});
    for (int i = 0; i < a.count; ++i) {
        unsigned v = modbus::is_bit_table(table) ? answer.bits[size_t(i)] : answer.regs[size_t(i)];
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%04X", v);
        t.add({std::to_string(a.address + i), std::to_string(v), hex});
        out.push_back({{"address", a.address + i}, {"value", v}});
    }
    std::cout << (as_json ? out.dump(2) + "\n" : t.render());
    return kOk;
}

int read_points(Bus& bus, const Config& config, const DeviceConfig& dev, bool as_json) {
    std::vector<PointConfig> points;
    for (const auto& p : config.points)
        if (p.device == dev.id) points.push_back(p);
    if (points.empty()) {
        std::cerr << "gatewayctl: device " << dev.id
                  << " has no points; give --address to read raw registers\n";
        return kUsage;
    }
    modbus::ReadBuffers answer;
    Style st(stdout);
    Table t({"point", "value", "unit", "quality", "table", "address"});
    json out = json::array();
    int rc = kOk;
    for (const auto& block : modbus::plan_reads(points, dev.poll_ms)) {
        const auto r = bus.read(block.table, block.start, block.count, answer, dev.retries);
        if (r.failure != modbus::Failure::none) {
            const std::string& why = r.error;
            for (const auto& p : block.points) {
                t.add({p.id, "-", p.unit, st.bad("read failed: " + why), to_string(p.table),
                       std::to_string(p.address)});
                out.push_back({{"point", p.id}, {"error", why}});
            }
            rc = kFailed;
            continue;
        }
        for (const auto& s :
             modbus::decode_block(block, answer.regs.data(), answer.bits.data(), now_ms())) {
            const PointConfig* p = config.point(s.point);
            const std::string q(to_string(s.quality));
            t.add({s.point, value_text(s.value), p ? p->unit : "",
                   q == "good" ? st.good(q) : st.bad(q), p ? to_string(p->table) : "",
                   p ? std::to_string(p->address) : ""});
            out.push_back({{"point", s.point},
                           {"value", s.value},
                           {"unit", p ? p->unit : ""},
                           {"quality", q}});
        }
    }
    std::cout << (as_json ? out.dump(2) + "\n" : t.render());
    return rc;
}

int modbus_read(const Target& target, const ModbusArgs& a) {
    auto config = load_target_config(target);
    if (!config) return kUsage;
    const DeviceConfig* dev = find_device(*config, a.device);
    if (!dev) return kUsage;
    Open o = open_bus(target, *config, *dev, a.slave > 0 ? a.slave : dev->slave,
                      a.timeout_ms > 0 ? a.timeout_ms : dev->timeout_ms);
    if (!o.bus) return o.rc;
    return a.address >= 0 ? read_raw(*o.bus, a, target.json)
                          : read_points(*o.bus, *config, *dev, target.json);
}

int modbus_scan(const Target& target, const ModbusArgs& a) {
    if (a.first > a.last) {
        std::cerr << "gatewayctl: --first must not be above --last\n";
        return kUsage;
    }
    auto config = load_target_config(target);
    if (!config) return kUsage;
    const DeviceConfig* dev = find_device(*config, a.device);
    if (!dev) return kUsage;
    const int timeout = a.timeout_ms > 0 ? a.timeout_ms : 200;
    Open o = open_bus(target, *config, *dev, dev->slave, timeout);
    if (!o.bus) return o.rc;
    Bus& bus = *o.bus;
    const gw::Table table = value_of(kTableNames, a.table).value_or(gw::Table::holding_register);
    modbus::ReadBuffers reply;
    Table found({"slave", "answer"});
    json out = json::array();
    {
        Progress progress("scanning " + dev->bus(), a.last - a.first + 1);
        for (int slave = a.first; slave <= a.last; ++slave) {
            progress.update(slave - a.first);
            // TCP unit ids 248-254 are reserved: libmodbus refuses them.
            if (!bus.ctx->set_slave(slave)) continue;
            bus.slave = slave;
            // One try each: an id that does not answer is not there. A
            // timeout still waits for a late answer (serial) or reconnects
            // (TCP) before the next id, or that answer was taken for the
            // next id's or made it fail.
            const auto r = bus.read(table, std::max(0, a.address), 1, reply, 0);
            std::string answer;
            if (r.failure == modbus::Failure::none) {
                answer = "value " + std::to_string(modbus::is_bit_table(table) ? reply.bits[0]
                                                                               : reply.regs[0]);
            } else if (r.link_down) {
                std::cerr << "gatewayctl: scan stopped at slave " << slave << ": " << r.error
                          << "\n";
                if (target.json) std::cout << out.dump(2) << "\n";
                return kFailed;
            } else if (r.failure == modbus::Failure::exception ||
                       r.failure == modbus::Failure::busy) {
                // A slave answered. Exceptions 10/11 (unreachable) come from
                // a TCP gateway: nobody behind it answered, that id is not there.
                answer = "exception: " + r.error;
            } else {
                continue;
            }
            found.add({std::to_string(slave), answer});
            out.push_back({{"slave", slave}, {"answer", answer}});
        }
        progress.update(a.last - a.first + 1);
    }
    if (target.json) {
        std::cout << out.dump(2) << "\n";
    } else if (found.empty()) {
        std::cout << "no slave answered on " << dev->bus() << " (ids " << a.first << ".." << a.last
                  << ")\n";
    } else {
        std::cout << found.render();
    }
    return out.empty() ? kFailed : kOk;
}

void add_common(CLI::App* cmd, ModbusArgs& a) {
    cmd->add_option("-d,--device", a.device, "a configured Modbus device (names the bus)")
        ->required();
    cmd->add_option("--table", a.table, "coil | discrete_input | input_register | holding_register")
        ->check(CLI::IsMember(names_of(kTableNames)))
        ->capture_default_str();
    cmd->add_option("--timeout-ms", a.timeout_ms, "response timeout")->check(between(10, 10000));
}

}  // namespace

void add_modbus_commands(CLI::App& app, Runner& run) {
    auto target = std::make_shared<Target>();
    auto args = std::make_shared<ModbusArgs>();
    auto* modbus = app.add_subcommand(
        "modbus", "direct Modbus access for commissioning (refused on a bus gatewayd polls)");
    modbus->require_subcommand(1);

    auto* read = modbus->add_subcommand(
        "read", "read a device's configured points (or raw registers with --address)");
    add_target_options(read, *target);
    add_common(read, *args);
    read->add_option("--slave", args->slave, "slave id (default: the device's)")
        ->check(between(1, 247));
    read->add_option("--address", args->address, "raw read from this address")
        ->check(between(0, 65535));
    read->add_option("--count", args->count, "raw read: how many registers or bits")
        ->check(between(1, 2000))
        ->capture_default_str();
    read->callback(
        [&run, target, args] { run = [target, args] { return modbus_read(*target, *args); }; });

    auto* scan = modbus->add_subcommand(
        "scan", "which slave ids answer on a device's bus (reads one register from each)");
    add_target_options(scan, *target);
    add_common(scan, *args);
    scan->add_option("--first", args->first, "first slave id")
        ->check(between(1, 247))
        ->capture_default_str();
    scan->add_option("--last", args->last, "last slave id")
        ->check(between(1, 247))
        ->capture_default_str();
    scan->add_option("--address", args->address, "register to read (default 0)")
        ->check(between(0, 65535));
    scan->callback(
        [&run, target, args] { run = [target, args] { return modbus_scan(*target, *args); }; });
}

}  // namespace gw::ctl
