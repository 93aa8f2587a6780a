#include "loader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "core/file_io.hpp"
#include "core/log.hpp"
#include "core/named_regex.hpp"
#include "store/files.hpp"
#include "toml_reader.hpp"

namespace gw {
namespace {

// Ids appear in MQTT topics, event ids and file names: keep them plain.
bool valid_id(const std::string& id) {
    static const std::regex re("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$");
    return std::regex_match(id, re);
}

std::string hash_text(const std::string& text) {
    // FNV-1a 64: identifies a config version in status reports; not security.
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

// Remembers where each id was first defined, across all sections, because ids
// share one namespace in topics, logs and gatewayctl commands.
class IdRegistry {
  public:
    bool add(TomlReader& r, const std::string& id, const std::string& what) {
        auto [it, inserted] = seen_.emplace(id, std::make_pair(what, r.line_of("id")));
        if (!inserted) {
            r.problem("id", "duplicate id \"" + id + "\" (" + it->second.first +
                                " defined at line " + std::to_string(it->second.second) + ")");
        }
        return inserted;
    }

  private:
    std::map<std::string, std::pair<std::string, long>> seen_;
};

// Who has each serial line (a tty path). Modbus RTU devices on one line
// share it: one poller drives them all with the first device's line
// settings. A later device takes the settings it leaves out from the line;
// one that gives another value would be polled at a rate it never answers,
// and is refused. A serial sensor port has its line to itself: two readers
// of one tty each get part of its bytes.
class SerialLines {
  public:
    void claim_for_device(TomlReader& r, DeviceConfig& d) {
        auto [it, first] =
            owners_.emplace(d.serial, Owner{"device \"" + d.id + "\"", d, r.line_of("serial")});
        if (first) return;
        const Owner& o = it->second;
        auto share = [&](const char* key, auto& mine, const auto& theirs, auto shown) {
            if (!r.has(key))
                mine = theirs;
            else if (mine != theirs)
                r.problem(key, shown(mine) + ", but " + o.what + " on the same line " + d.serial +
                                   " has " + shown(theirs) +
                                   ": devices on one line share its settings");
        };
        auto number = [](int v) { return std::to_string(v); };
        auto letter = [](char v) { return std::string(1, v); };
        auto flag = [](bool v) { return std::string(v ? "true" : "false"); };
        auto text = [](const std::string& v) { return v; };
        share("baud", d.baud, o.first.baud, number);
        share("parity", d.parity, o.first.parity, letter);
        share("data_bits", d.data_bits, o.first.data_bits, number);
        share("stop_bits", d.stop_bits, o.first.stop_bits, number);
        share("rs485", d.rs485, o.first.rs485, flag);
        share("rts", d.rts, o.first.rts, text);
    }

    // Devices are read before ports, so a port meets any device on its line.
    void claim_for_port(TomlReader& r, const SerialPortConfig& p) {
        auto [it, first] = owners_.emplace(
            p.device, Owner{"serial port \"" + p.id + "\"", {}, r.line_of("device")});
        if (!first)
            r.problem("device", p.device + " is also " + it->second.what + "'s line (line " +
                                    std::to_string(it->second.line) +
                                    "): a serial port has its line to itself");
    }

  private:
    struct Owner {
        std::string what;
        DeviceConfig first;  // the first device's settings, the line's
        long line;
    };
    std::map<std::string, Owner> owners_;
};

// Which device answers at each Modbus address (a line and slave id on RTU,
// a host, port and unit id on TCP). Two entries at one address poll one
// device: each would be sent the other's point plan and its failures would
// mark both offline, so the second is refused.
class DeviceAddresses {
  public:
    void claim(TomlReader& r, const DeviceConfig& d) {
        const bool rtu = d.transport == Transport::rtu;
        const std::string where =
            rtu ? "on " + d.serial : "at " + d.host + ":" + std::to_string(d.port);
        auto [it, first] =
            seen_.emplace(where + "#" + std::to_string(d.slave), Seen{d.id, r.line_of("id")});
        if (first) return;
        r.problem("slave", std::string(rtu ? "slave " : "unit id ") + std::to_string(d.slave) +
                               " " + where + " is also device \"" + it->second.id + "\" (line " +
                               std::to_string(it->second.line) +
                               "): two entries would poll one device; give each its own " +
                               (rtu ? "slave id" : "unit id") + ", or merge their points");
    }

  private:
    struct Seen {
        std::string id;
        long line;
    };
    std::map<std::string, Seen> seen_;
};

// One spelling per tty ("/dev//ttyS1" is "/dev/ttyS1"), so that devices on
// one line share one poller and a second reader of it is seen.
std::string tty_path(const std::string& path) {
    return path.empty() ? path : std::filesystem::path(path).lexically_normal().string();
}

std::string read_id(TomlReader& r, const std::string& section, IdRegistry& ids) {
    std::string id = r.text("id", "", true);
    if (id.empty()) return id;
    if (!valid_id(id)) {
        r.problem("id",
                  "must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit");
    }
    r.rename(section + "[" + id + "]");
    ids.add(r, id, section);
    return id;
}

char parity_of(TomlReader& r) {
    return r.choice("parity", "N", {"N", "E", "O"})[0];
}

void load_gateway(TomlReader& root, Config& c) {
    auto g = root.table("gateway", true);
    if (!g) return;
    c.identity.district = g->text("district", "", true);
    c.identity.site = g->text("site", "", true);
    c.identity.gateway = g->text("id", "", true);
    for (auto [key, value] : {std::pair{"site", c.identity.site}, {"id", c.identity.gateway}}) {
        if (!value.empty() && !valid_id(value))
            g->problem(key,
                       "must be 1-64 characters of A-Z a-z 0-9 _ . - (it is part of MQTT topics)");
    }
    c.data_dir = g->text("data_dir", c.data_dir);
    if (c.data_dir.empty()) g->problem("data_dir", "must not be empty");
    c.log_level = g->choice("log_level", "info", names_of(kLogLevelNames));
    c.mode = g->choice("mode", c.mode, kModeNames);
    g->finish();
}

void load_tls(TomlReader& u, UplinkConfig& up) {
    auto t = u.table("tls");
    if (!t) return;
    TlsConfig tls;
    tls.ca_file = t->text("ca_file", "", true);
    tls.cert_file = t->text("cert_file", "");
    tls.key_file = t->text("key_file", "");
    if (tls.cert_file.empty() != tls.key_file.empty())
        t->problem("", "cert_file and key_file go together: give both or neither");
    t->finish();
    up.tls = tls;
}

void load_uplink(TomlReader& root, Config& c) {
    auto u = root.table("uplink", true);
    if (!u) return;
    UplinkConfig& up = c.uplink;
    up.brokers = u->texts("brokers", true);
    static const std::regex uri("^(tcp|ssl|mqtt|mqtts)://[^:/]+(:([0-9]{1,5}))?$");
    // A host name is at most 253 characters. The length is checked first:
    // std::regex recurses once per character and overflows the stack on a
    // long enough string (a crash, and on a reload the daemon's death).
    constexpr size_t kMaxUri = 300;
    for (size_t i = 0; i < up.brokers.size(); ++i) {
        std::smatch m;
        if (up.brokers[i].size() > kMaxUri)
            u->problem("brokers", "entry " + std::to_string(i + 1) + " is " +
                                      std::to_string(up.brokers[i].size()) +
                                      " characters long: a broker URI has at most " +
                                      std::to_string(kMaxUri));
        else if (!std::regex_match(up.brokers[i], m, uri))
            u->problem("brokers",
                       "\"" + up.brokers[i] +
                           "\" is not a broker URI like tcp://host:1883 or ssl://host:8883");
        else if (m[3].matched && (std::stol(m[3].str()) < 1 || std::stol(m[3].str()) > 65535))
            u->problem("brokers", "\"" + up.brokers[i] + "\": the port must be 1-65535");
    }
    up.topic_prefix = u->text("topic_prefix", up.topic_prefix);
    if (up.topic_prefix.find_first_of("+#") != std::string::npos || up.topic_prefix.empty())
        u->problem("topic_prefix", "must be non-empty and contain no MQTT wildcards (+ #)");
    up.client_id = u->text("client_id", "");
    up.keepalive_s = static_cast<int>(u->integer("keepalive_s", up.keepalive_s, 5, 3600));
    up.inflight_window =
        static_cast<int>(u->integer("inflight_window", up.inflight_window, 1, 100));
    up.reconnect_min_ms =
        static_cast<int>(u->integer("reconnect_min_ms", up.reconnect_min_ms, 100, 60000));
    up.inflight_bulk_kb =
        static_cast<int>(u->integer("inflight_bulk_kb", up.inflight_bulk_kb, 1, 65536));
    up.connect_timeout_s =
        static_cast<int>(u->integer("connect_timeout_s", up.connect_timeout_s, 1, 120));
    up.reconnect_max_ms =
        static_cast<int>(u->integer("reconnect_max_ms", up.reconnect_max_ms, 100, 600000));
    if (up.reconnect_max_ms < up.reconnect_min_ms)
        u->problem("reconnect_max_ms", "must not be less than reconnect_min_ms");
    up.telemetry_batch_max =
        static_cast<int>(u->integer("telemetry_batch_max", up.telemetry_batch_max, 1, 5000));
    up.credentials_file = u->text("credentials_file", "");
    load_tls(*u, up);
    // Paho takes TLS from the URI's scheme alone: with [uplink.tls] a tcp://
    // broker (a failover entry, say) carried events and the password in plain text.
    for (size_t i = 0; up.tls && i < up.brokers.size(); ++i)
        if (up.brokers[i].rfind("tcp://", 0) == 0 || up.brokers[i].rfind("mqtt://", 0) == 0)
            u->problem("brokers", "entry " + std::to_string(i + 1) + " (\"" + up.brokers[i] +
                                      "\") is not encrypted: with [uplink.tls] every broker "
                                      "is ssl:// or mqtts://");
    u->finish();
    if (up.client_id.empty()) up.client_id = c.identity.site + "-" + c.identity.gateway;
}

void load_store(TomlReader& root, Config& c) {
    auto s = root.table("store");
    c.store.path = c.data_dir + "/store.db";
    if (!s) return;
    std::string path = s->text("path", "store.db");
    if (path.empty() || path.back() == '/')
        s->problem("path", "must name the database file (relative to data_dir, or absolute)");
    c.store.path = (!path.empty() && path[0] == '/') ? path : c.data_dir + "/" + path;
    for (auto [key, bytes] : {std::pair{"alarm_max_mb", &c.store.alarm_max_bytes},
                              {"telemetry_max_mb", &c.store.telemetry_max_bytes},
                              {"evidence_max_mb", &c.store.evidence_max_bytes}}) {
        // Shifted as 64 bits: long has 32 on armhf, and 2048 MB is 2^31 bytes.
        *bytes = int64_t{s->integer(key, *bytes >> 20, 1, 1 << 20)} << 20;
    }
    c.store.commit_window_ms =
        static_cast<int>(s->integer("commit_window_ms", c.store.commit_window_ms, 0, 1000));
    s->finish();
}

void load_control(TomlReader& root, Config& c) {
    c.control.socket = c.data_dir + "/control.sock";
    auto t = root.table("control");
    if (!t) return;
    c.control.socket = t->text("socket", c.control.socket);
    if (c.control.socket.empty() || c.control.socket.back() == '/')
        t->problem("socket", "must name the socket file");
    else if (store::is_store_file(c.control.socket, c.store.path))
        t->problem("socket", c.control.socket + " is one of the store's own files (store.path " +
                                 c.store.path + "); name another file");
    c.control.group = t->text("group", "");
    t->finish();
}

void load_commands(TomlReader& root, Config& c) {
    auto t = root.table("commands");
    if (!t) return;
    c.commands.secret_file = t->text("secret_file", "");
    // An empty value (a template's variable never filled in) would run
    // every unsigned command from the broker without a word.
    if (t->has("secret_file") && c.commands.secret_file.empty())
        t->problem("secret_file",
                   "must name the file with the shared secret; to run unsigned commands, leave "
                   "the key out");
    c.commands.max_skew_s = static_cast<int>(t->integer("max_skew_s", 300, 5, 86400));
    c.commands.allow_unsynced = t->flag("allow_unsynced", false);
    if (c.commands.secret_file.empty() && (t->has("max_skew_s") || t->has("allow_unsynced")))
        t->problem("secret_file",
                   "max_skew_s and allow_unsynced apply to signed commands only: "
                   "give secret_file too");
    t->finish();
}

std::string baud_rate_list() {
    std::string list;
    for (int b : kBaudRates) list += (list.empty() ? "" : ", ") + std::to_string(b);
    return list;
}

// The serial line settings an RTU device and a serial sensor port share:
// one place for their keys, defaults and ranges.
template <class T>
void read_line_settings(TomlReader& r, T& out) {
    out.baud = static_cast<int>(r.integer("baud", 9600, 300, 4000000));
    if (std::find(std::begin(kBaudRates), std::end(kBaudRates), out.baud) == std::end(kBaudRates))
        r.problem("baud",
                  std::to_string(out.baud) + " is not a standard rate (" + baud_rate_list() + ")");
    out.parity = parity_of(r);
    out.data_bits = static_cast<int>(r.integer("data_bits", 8, 5, 8));
    out.stop_bits = static_cast<int>(r.integer("stop_bits", 1, 1, 2));
}

// Keys of the other transport are no typo: say where they belong, since
// "unknown key" would send a technician looking for a misspelling.
void refuse_other_transport_keys(TomlReader& d, Transport transport) {
    static const std::vector<std::string> kTcpKeys = {"host", "port"};
    static const std::vector<std::string> kRtuKeys = {"serial",    "baud",  "parity", "data_bits",
                                                      "stop_bits", "rs485", "rts"};
    const bool tcp = transport == Transport::tcp;
    for (const auto& key : tcp ? kRtuKeys : kTcpKeys) {
        if (!d.has(key)) continue;
        d.problem(key, std::string("applies to transport = \"") + (tcp ? "rtu" : "tcp") +
                           "\" only; this device's transport is \"" + (tcp ? "tcp" : "rtu") + "\"" +
                           (d.has("transport") ? "" : " (the default)"));
        d.ignore(key);
    }
}

void load_device(TomlReader& d, Config& c, IdRegistry& ids, SerialLines& lines,
                 DeviceAddresses& addresses) {
    DeviceConfig dev;
    dev.id = read_id(d, "devices", ids);
    dev.transport = d.choice("transport", Transport::tcp, kTransportNames);
    if (dev.transport == Transport::tcp) {
        dev.host = d.text("host", "", true);
        dev.port = static_cast<int>(d.integer("port", 502, 1, 65535));
    } else {
        dev.serial = tty_path(d.text("serial", "", true));
        read_line_settings(d, dev);
        dev.rs485 = d.flag("rs485", false);
        dev.rts = d.choice("rts", "none", {"none", "up", "down"});
    }
    if (dev.transport == Transport::rtu && !dev.serial.empty()) lines.claim_for_device(d, dev);
    dev.slave = static_cast<int>(d.integer("slave", 1, dev.transport == Transport::tcp ? 0 : 1,
                                           dev.transport == Transport::tcp ? 255 : 247));
    // Modbus reserves unit ids 248-254; libmodbus refuses them on TCP.
    if (dev.slave >= 248 && dev.slave <= 254)
        d.problem("slave", "must be 0-247 or 255 on TCP (248-254 are reserved), got " +
                               std::to_string(dev.slave));
    if (!dev.id.empty() &&
        (dev.transport == Transport::rtu ? !dev.serial.empty() : !dev.host.empty()))
        addresses.claim(d, dev);
    dev.timeout_ms = static_cast<int>(d.integer("timeout_ms", 500, 10, 60000));
    dev.retries = static_cast<int>(d.integer("retries", 2, 0, 10));
    dev.poll_ms = static_cast<int>(d.integer("poll_ms", 1000, 10, 86400000));
    dev.poll_ms_emergency = static_cast<int>(
        d.integer("poll_ms_emergency", std::max(10, dev.poll_ms / 4), 10, 86400000));
    dev.pause_ms = static_cast<int>(d.integer("pause_ms", 0, 0, 10000));
    dev.connect_pause_ms = static_cast<int>(d.integer("connect_pause_ms", 0, 0, 60000));
    dev.backoff_max_ms = static_cast<int>(d.integer("backoff_max_ms", 30000, 100, 3600000));
    refuse_other_transport_keys(d, dev.transport);
    d.finish();
    c.devices.push_back(dev);
}

void load_point(TomlReader& p, Config& c, IdRegistry& ids) {
    PointConfig pt;
    pt.id = read_id(p, "points", ids);
    pt.device = p.text("device", "", true);
    pt.table = p.choice("table", Table::holding_register, kTableNames);
    pt.address = static_cast<int>(p.integer("address", 0, 0, 65535));
    const bool bit_table = pt.table == Table::coil || pt.table == Table::discrete_input;
    pt.type = p.choice("type", bit_table ? ValueType::boolean : ValueType::uint16, kValueTypeNames);
    if (bit_table && pt.type != ValueType::boolean)
        p.problem("type", "coils and discrete inputs are single bits: type must be bool");
    pt.word_order = p.choice("word_order", Order::big, kOrderNames);
    pt.byte_order = p.choice("byte_order", Order::big, kOrderNames);
    pt.scale = p.number("scale", 1.0, -1e9, 1e9);
    if (pt.scale == 0.0) p.problem("scale", "must not be 0");
    pt.offset = p.number("offset", 0.0, -1e12, 1e12);
    pt.unit = p.text("unit", "");
    pt.field = p.text("field", "");
    pt.poll_ms = static_cast<int>(p.integer("poll_ms", 0, 0, 86400000));
    pt.report_ms = static_cast<int>(p.integer("report_ms", 60000, 100, 86400000));
    pt.deadband = p.number("deadband", 0.0, 0.0, 1e12);
    pt.poll_ms_emergency = static_cast<int>(p.integer(
        "poll_ms_emergency", pt.poll_ms > 0 ? std::max(10, pt.poll_ms / 4) : 0, 0, 86400000));
    if (pt.poll_ms_emergency > 0 && pt.poll_ms_emergency < 10)
        p.problem("poll_ms_emergency", "must be 0 (the device's) or at least 10");
    pt.report_ms_emergency = static_cast<int>(
        p.integer("report_ms_emergency", std::max(100, pt.report_ms / 4), 100, 86400000));
    pt.deadband_emergency = p.number("deadband_emergency", pt.deadband / 2, 0.0, 1e12);
    pt.min = p.optional_number("min");
    pt.max = p.optional_number("max");
    if (pt.min && pt.max && *pt.min >= *pt.max) p.problem("max", "must be greater than min");
    if (pt.address + pt.registers() - 1 > 65535)
        p.problem("address", "value runs past register 65535");
    p.finish();
    c.points.push_back(pt);
}

void load_serial_port(TomlReader& s, Config& c, IdRegistry& ids, SerialLines& lines) {
    SerialPortConfig sp;
    sp.id = read_id(s, "serial_ports", ids);
    sp.device = tty_path(s.text("device", "", true));
    if (!sp.device.empty()) lines.claim_for_port(s, sp);
    read_line_settings(s, sp);
    sp.framing = s.choice("framing", "line", {"line", "nmea"});
    sp.pattern = s.text("pattern", "", true);
    if (auto re = NamedRegex::compile(sp.pattern); !sp.pattern.empty() && !re)
        s.problem("pattern", re.error());
    sp.max_line = static_cast<int>(s.integer("max_line", 256, 16, 4096));
    s.finish();
    c.serial_ports.push_back(sp);
}

void load_camera(TomlReader& r, Config& c, IdRegistry& ids) {
    CameraConfig cam;
    cam.id = read_id(r, "cameras", ids);
    cam.url = r.text("url", "", true);
    // A network URL goes as it is into the stream's requests: a space or a
    // line break would cut a request short or add a line to it. (A file's
    // path may have spaces.)
    const bool network = cam.url.find("://") != std::string::npos;
    if (std::any_of(cam.url.begin(), cam.url.end(), [network](unsigned char ch) {
            return ch < ' ' || ch == 0x7f || (network && ch == ' ');
        }))
        r.problem("url", network ? "must not contain spaces or control characters "
                                   "(percent-encode them: %20)"
                                 : "must not contain control characters");
    cam.fps = r.number("fps", 5.0, 0.1, 60.0);
    // Emergency never looks less often than normal, even above 25 fps.
    cam.fps_emergency =
        r.number("fps_emergency", std::max(cam.fps, std::min(2 * cam.fps, 25.0)), 0.1, 60.0);
    cam.evidence_interval_s_emergency =
        static_cast<int>(r.integer("evidence_interval_s_emergency", 30, 1, 86400));
    cam.width = static_cast<int>(r.integer("width", 0, 0, 7680));
    cam.height = static_cast<int>(r.integer("height", 0, 0, 4320));
    if ((cam.width == 0) != (cam.height == 0))
        r.problem("height", "give both width and height, or neither");
    cam.reconnect_max_ms = static_cast<int>(r.integer("reconnect_max_ms", 30000, 100, 3600000));
    cam.frozen_ms = static_cast<int>(r.integer("frozen_ms", 10000, 1000, 3600000));
    r.finish();
    c.cameras.push_back(cam);
}

void load_incidents(TomlReader& root, Config& c) {
    auto t = root.table("incidents");
    if (!t) return;
    IncidentsConfig& in = c.incidents;
    in.renotify_min_severity =
        t->choice("renotify_min_severity", in.renotify_min_severity, kSeverityNames);
    in.renotify_s = static_cast<int>(t->integer("renotify_s", in.renotify_s, 0, 86400));
    in.escalate_after_s =
        static_cast<int>(t->integer("escalate_after_s", in.escalate_after_s, 0, 604800));
    in.restart_grace_s =
        static_cast<int>(t->integer("restart_grace_s", in.restart_grace_s, 0, 86400));
    t->finish();
}

void load_emergency(TomlReader& root, Config& c, std::vector<long>& lines) {
    auto t = root.table("emergency");
    if (!t) return;
    for (auto& a : t->tables("auto")) {
        EmergencyAutoRule rule;
        rule.detector = a.text("detector", "", true);
        rule.type = a.text("type", "");
        rule.min_severity = a.choice("min_severity", rule.min_severity, kSeverityNames);
        rule.duration_s = static_cast<int>(a.integer("duration_s", rule.duration_s, 1, 604800));
        a.finish();
        lines.push_back(a.line_of("detector"));
        c.emergency_auto.push_back(rule);
    }
    t->finish();
}

const DetectorKind* kind_named(const std::vector<DetectorKind>& kinds, const std::string& name) {
    for (const auto& k : kinds)
        if (k.name == name) return &k;
    return nullptr;
}

// Runs the kind's reader over a params table: the one place detector params
// are read and validated. Unknown keys are problems like anywhere else.
std::shared_ptr<const DetectorSettings> read_settings(const DetectorKind& kind, TomlReader reader) {
    TomlParams params(std::move(reader));
    auto settings = kind.read(params);
    params.finish();
    return settings;
}

void check_inputs(TomlReader& r, const DetectorKind& kind, const DetectorConfig& det,
                  long inputs_line) {
    for (const auto& p : kind.check_inputs(det.inputs)) r.problem_at(inputs_line, p.key, p.message);
}

void load_detector(TomlReader& r, Config& c, IdRegistry& ids,
                   const std::vector<DetectorKind>& kinds) {
    DetectorConfig det;
    det.id = read_id(r, "detectors", ids);
    std::vector<std::string> names;
    for (const auto& k : kinds) names.push_back(k.name);
    det.kind = r.choice("kind", "", names);
    const DetectorKind* kind = kind_named(kinds, det.kind);
    det.camera = r.text("camera", "");
    long inputs_line = 0;
    for (auto& [role, point] : r.string_map("inputs", inputs_line)) det.inputs[role] = point;
    if (kind) {
        if (kind->needs_camera && det.camera.empty())
            r.problem("camera", "required key is missing");
        if (!kind->needs_camera && !det.camera.empty())
            r.problem("camera", "a " + kind->name + " detector takes sensor inputs, not a camera");
        check_inputs(r, *kind, det, inputs_line);
        const toml::table no_params;
        auto params = r.table("params");
        det.settings = read_settings(*kind, params ? *params : r.sub_reader(no_params, "params"));
    } else {
        r.table("params");  // already reported the kind; don't also flag params as unknown
    }
    r.finish();
    c.detectors.push_back(det);
}

// A vision detector whose analysis spans consecutive frames declares the
// slowest camera it works with (param min_fps); a slower camera would leave
// it blind without a word, so the config is refused.
void check_camera_rate(const DetectorConfig& d, const CameraConfig& cam, long line,
                       Diagnostics& diag) {
    const double min = d.settings ? d.settings->min_camera_fps() : 0;
    // In emergency mode the camera runs at fps_emergency, which may be lower.
    const bool emergency = cam.fps_emergency < cam.fps;
    const double slowest = std::min(cam.fps, cam.fps_emergency);
    if (slowest >= min) return;
    const std::string key = emergency ? "fps_emergency" : "fps";
    std::ostringstream what;
    what << "camera \"" << cam.id << "\" runs at " << slowest << " fps"
         << (emergency ? " in emergency mode" : "") << "; a " << d.kind
         << " detector needs at least " << min << " (raise cameras." << key
         << " or lower params.min_fps)";
    diag.add(line, "detectors[" + d.id + "].camera", what.str());
}

// A point that names its unit must name the one the detector reads the
// role in; its thresholds would otherwise apply to another unit.
void check_point_unit(const DetectorConfig& d, const std::string& role, const PointConfig& p,
                      long line, Diagnostics& diag) {
    const std::string want = d.settings ? d.settings->input_unit(role) : "";
    auto same = [](const std::string& a, const std::string& b) {
        auto celsius = [](const std::string& u) {
            return u == "C" || u == "\u00b0C" || u == "degC" || u == "\u2103";
        };
        return a == b || (celsius(a) && celsius(b));
    };
    if (want.empty() || p.unit.empty() || same(p.unit, want)) return;
    diag.add(line, "points[" + p.id + "].unit",
             "\"" + p.unit + "\", but detectors[" + d.id + "].inputs." + role + " is read in " +
                 want + ": convert with the point's scale and set unit = \"" + want + "\"");
}

// The intervals a Modbus point is polled at, in normal and emergency mode,
// each with the key it comes from (the point's own, or its device's).
struct Poll {
    int64_t ms;
    std::string key;
};
std::vector<Poll> polls_of(const PointConfig& p, const DeviceConfig& d) {
    auto key = [&](bool own, const std::string& name) {
        return own ? "points[" + p.id + "]." + name : "devices[" + d.id + "]." + name;
    };
    return {{p.polled_every_ms(d.poll_ms), key(p.poll_ms > 0, "poll_ms")},
            {p.polled_every_ms_emergency(d.poll_ms_emergency),
             key(p.poll_ms_emergency > 0, "poll_ms_emergency")}};
}

// A Modbus point needs two polls within its detector's silent_s, so that
// one lost poll is not yet a silent sensor (and a poll slower than
// silent_s would be one between every two polls, its incidents frozen).
// Each poll key is reported once, however many points and detectors it
// feeds. (A serial port's sensors send at their own pace, which the config
// does not say.)
void check_point_rate(const DetectorConfig& d, const std::string& role, const PointConfig& p,
                      const Config& c, const std::map<std::string, long>& poll_lines,
                      std::set<std::string>& reported, Diagnostics& diag) {
    const double silent_s = d.settings ? d.settings->input_silent_after_s(role) : 0;
    const DeviceConfig* device = c.device(p.device);
    if (silent_s <= 0 || !device) return;
    for (const auto& poll : polls_of(p, *device)) {
        if (2 * poll.ms <= static_cast<int64_t>(silent_s * 1000)) continue;
        if (!reported.insert(poll.key).second) continue;
        // Whole seconds, rounded so that either suggestion passes this check.
        const int64_t enough_s = (2 * poll.ms + 999) / 1000;
        std::string fix =
            "poll at least every " + config_number(std::floor(silent_s * 500) / 1000) + " s";
        fix += enough_s <= kMaxSilentS
                   ? ", or set detectors[" + d.id + "].params.silent_s to " +
                         std::to_string(enough_s) + " or more"
                   : " (silent_s is at most " + std::to_string(kMaxSilentS) + ")";
        diag.add(poll_lines.at(poll.key), poll.key,
                 "polled every " + config_number(poll.ms / 1000.0) + " s, but detectors[" + d.id +
                     "].inputs." + role + " (point \"" + p.id + "\") needs two readings within" +
                     " its silent_s of " + config_number(silent_s) + " s: " + fix);
    }
}

// The same for a rate of change: its fit needs three readings in the window.
// Three polls to the window, not two: at exactly two the third reading sits
// on the window's edge, and a poll a little late drops it out.
void check_point_window(const DetectorConfig& d, const std::string& role, const PointConfig& p,
                        const Config& c, const std::map<std::string, long>& poll_lines,
                        std::set<std::string>& reported, Diagnostics& diag) {
    const auto window =
        d.settings ? d.settings->input_rate_window(role) : DetectorSettings::RateWindow{};
    const DeviceConfig* device = c.device(p.device);
    if (window.s <= 0 || !device) return;
    for (const auto& poll : polls_of(p, *device)) {
        if (3 * poll.ms <= static_cast<int64_t>(window.s * 1000)) continue;
        if (!reported.insert(poll.key + " " + d.id + "." + window.key).second) continue;
        const int64_t enough_s = (3 * poll.ms + 999) / 1000;
        std::string fix =
            "poll at least every " + config_number(std::floor(window.s * 1000 / 3) / 1000) + " s";
        if (enough_s <= window.max_s)
            fix += ", or set detectors[" + d.id + "].params." + window.key + " to " +
                   std::to_string(enough_s) + " or more";
        diag.add(poll_lines.at(poll.key), poll.key,
                 "polled every " + config_number(poll.ms / 1000.0) + " s, but detectors[" + d.id +
                     "].inputs." + role + " (point \"" + p.id + "\") needs three readings" +
                     " within its " + window.key + " of " + config_number(window.s) +
                     " s to judge a rate: " + fix);
    }
}

// A point's min/max is its sensor's range: each bound it sets replaces the
// detector input's default. Refused if that leaves no valid value (a point
// setting min 600 on a depth input whose default range ends at 500).
void use_point_range(DetectorConfig& d, const std::string& role, const PointConfig& p, long line,
                     Diagnostics& diag) {
    const InputRange point{p.min, p.max};
    d.input_ranges[role] = point;
    if (p.min && p.max) return;  // the point's own check refuses min >= max
    const InputRange def = d.settings ? d.settings->input_range(role) : InputRange{};
    if (!def.overridden_by(point).empty()) return;
    const bool min_set = p.min.has_value();
    std::ostringstream what;
    what << (min_set ? *p.min : *p.max) << " is " << (min_set ? "above" : "below")
         << " the default " << (min_set ? "maximum " : "minimum ")
         << (min_set ? *def.max : *def.min) << " of detectors[" << d.id << "].inputs." << role
         << ": set " << (min_set ? "max" : "min") << " as well";
    diag.add(line, "points[" + p.id + "]." + (min_set ? "min" : "max"), what.str());
}

// A detector level outside its input's range (the role's default, with
// the point's min/max where it sets them): above max the readings never
// reach it, at or below min they always are past it. Said at the point's bound
// when the point sets it, else at the detector's inputs.
void check_point_thresholds(const DetectorConfig& d, const std::string& role, const PointConfig& p,
                            long point_line, long inputs_line, Diagnostics& diag) {
    if (!d.settings) return;
    const InputRange range = d.settings->input_range(role).overridden_by({p.min, p.max});
    if (range.empty()) return;  // reported where the range was taken
    for (const auto& t : d.settings->input_thresholds(role)) {
        // Levels are "at or above": one at the bottom of the range is
        // always past as well.
        const bool above = range.max && t.value > *range.max;
        if (!above && !(range.min && t.value <= *range.min)) continue;
        const bool point_bound = above ? p.max.has_value() : p.min.has_value();
        std::ostringstream what;
        what << "detectors[" << d.id << "].params." << t.key << " (" << t.value << ") is "
             << (above ? "above" : "at or below the bottom of") << " the range of inputs." << role
             << " (point \"" << p.id << "\", " << (above ? "max " : "min ")
             << (above ? *range.max : *range.min) << (point_bound ? "" : ", the default")
             << "): its readings would " << (above ? "never reach it" : "always be past it") << "; "
             << (point_bound ? "set the sensor's real range, or change the level"
                             : "set the point's " + std::string(above ? "max" : "min") +
                                   " to the sensor's range, or change the level");
        diag.add(point_bound ? point_line : inputs_line,
                 point_bound ? "points[" + p.id + "]." + (above ? "max" : "min")
                             : "detectors[" + d.id + "].params." + t.key,
                 what.str());
        return;  // one line per point and input
    }
}

// A serial point's field must be a named group of its port's pattern (a
// pattern that does not compile was reported where it was read).
// The field names each serial port's pattern captures; a port whose
// pattern does not compile has none listed (that is its own problem, said
// where the port was read). Compiled once per port: a long pattern costs
// milliseconds, and a port may feed hundreds of points.
std::map<std::string, std::optional<std::vector<std::string>>> pattern_fields(const Config& c) {
    std::map<std::string, std::optional<std::vector<std::string>>> out;
    for (const auto& sp : c.serial_ports) {
        auto re = NamedRegex::compile(sp.pattern);
        out[sp.id] = re ? std::optional(re->names()) : std::nullopt;
    }
    return out;
}

// An [[emergency.auto]] rule names a defined detector and, if a type, one
// its kind raises: a mistyped rule would never switch the mode.
void check_auto_rule(const EmergencyAutoRule& rule, long line, const Config& c,
                     const std::vector<DetectorKind>& kinds, Diagnostics& diag) {
    const DetectorConfig* det = nullptr;
    for (const auto& d : c.detectors)
        if (d.id == rule.detector) det = &d;
    if (!det) {
        if (!rule.detector.empty())
            diag.add(line, "emergency.auto.detector",
                     "detector \"" + rule.detector + "\" is not defined");
        return;
    }
    const DetectorKind* kind = kind_named(kinds, det->kind);
    if (!kind || kind->event_types.empty() || rule.type.empty()) return;
    const auto& types = kind->event_types;
    if (std::find(types.begin(), types.end(), rule.type) != types.end()) return;
    std::string list;
    for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
    diag.add(line, "emergency.auto.type",
             "a " + det->kind + " detector (\"" + det->id + "\") raises no \"" + rule.type +
                 "\"; its types: " + list);
}

// References between sections are checked after everything is read, so the
// order of sections in the file does not matter.
// A bool on a Modbus device is a bit: read from a register it is any
// non-zero value, and without `table` a bool point read holding register N
// (a smoke input mapped onto a register holding a temperature was smoke for
// good). Checked here, once the point is known to be a Modbus device's: a
// serial port's bool point has no table.
void check_modbus_point(const PointConfig& p, long line, Diagnostics& diag) {
    if (p.type == ValueType::boolean && p.table != Table::coil && p.table != Table::discrete_input)
        diag.add(line, "points[" + p.id + "].table",
                 "type bool needs table = \"coil\" or \"discrete_input\" (this reads " +
                     to_string(p.table) + " " + std::to_string(p.address) +
                     " as a number, any non-zero value true)");
}

// An evidence image is stored base64 in JSON (4/3 of its bytes, and a few
// hundred more): one larger than the evidence lane's cap is never stored,
// and the center gets the alarm without its picture.
void check_evidence_fits(const DetectorConfig& d, const Config& c, long line, Diagnostics& diag) {
    const double kb = d.settings ? d.settings->evidence_image_max_kb() : 0;
    const double stored_bytes = kb * 1024 * 4 / 3 + 4096;
    if (kb <= 0 || stored_bytes <= static_cast<double>(c.store.evidence_max_bytes)) return;
    diag.add(line, "detectors[" + d.id + "].params.evidence_max_kb",
             config_number(kb) + " KB is about " + config_number(stored_bytes / (1 << 20)) +
                 " MB as stored (base64), more than [store] evidence_max_mb = " +
                 std::to_string(c.store.evidence_max_bytes >> 20) +
                 ": no image would ever be stored; lower it, or raise evidence_max_mb");
}

// Where the config said what: the lines the cross-table checks name. A
// point's keys that only one kind of device reads are kept with their line,
// to refuse them once the point's device is known (devices may come later
// in the file).
struct SourceLines {
    std::map<std::string, long> points, polls, detectors;
    std::vector<long> autos;
    std::map<std::string, std::map<std::string, long>> point_device_keys;
};

// Keys a point sets for one kind of device only: a Modbus device's register
// map and polling; a serial port's named field (its sensors send at their
// own pace). Set on the other kind they would do nothing, silently.
const std::vector<std::string> kModbusPointKeys = {
    "table", "address", "type", "word_order", "byte_order", "poll_ms", "poll_ms_emergency"};
const std::vector<std::string> kSerialPointKeys = {"field"};

void note_point_device_keys(TomlReader& p, const std::string& id, SourceLines& lines) {
    for (const auto* keys : {&kModbusPointKeys, &kSerialPointKeys})
        for (const auto& key : *keys)
            if (p.has(key)) lines.point_device_keys[id][key] = p.line_of(key);
}

void refuse_other_device_keys(const PointConfig& p, bool serial, const SourceLines& lines,
                              Diagnostics& diag) {
    const auto set = lines.point_device_keys.find(p.id);
    if (set == lines.point_device_keys.end()) return;
    for (const auto& key : serial ? kModbusPointKeys : kSerialPointKeys) {
        const auto it = set->second.find(key);
        if (it == set->second.end()) continue;
        diag.add(it->second, "points[" + p.id + "]." + key,
                 std::string("applies to points on a ") +
                     (serial ? "Modbus device" : "serial port") + " only; \"" + p.device +
                     "\" is a " +
                     (serial ? "serial port ([[serial_ports]])" : "Modbus device ([[devices]])"));
    }
}

void check_references(Config& c, Diagnostics& diag, const SourceLines& lines,
                      const std::vector<DetectorKind>& kinds) {
    const auto& point_lines = lines.points;
    const auto& poll_lines = lines.polls;
    const auto& detector_lines = lines.detectors;
    for (size_t i = 0; i < c.emergency_auto.size(); ++i)
        check_auto_rule(c.emergency_auto[i], lines.autos[i], c, kinds, diag);
    std::map<std::string, bool> is_serial;
    for (const auto& d : c.devices) is_serial[d.id] = false;
    for (const auto& s : c.serial_ports) is_serial[s.id] = true;
    const auto fields = pattern_fields(c);
    auto names_field = [&fields](const PointConfig& p) {
        const auto& names = fields.at(p.device);
        return !names || std::find(names->begin(), names->end(), p.field) != names->end();
    };
    for (const auto& p : c.points) {
        long line = point_lines.at(p.id);
        auto it = is_serial.find(p.device);
        if (it != is_serial.end()) refuse_other_device_keys(p, it->second, lines, diag);
        if (!p.device.empty() && it == is_serial.end()) {
            diag.add(
                line, "points[" + p.id + "].device",
                "device \"" + p.device + "\" is not defined in [[devices]] or [[serial_ports]]");
        } else if (it != is_serial.end() && it->second && p.field.empty()) {
            diag.add(line, "points[" + p.id + "].field",
                     "a point on a serial port needs the field name");
        } else if (it != is_serial.end() && it->second && !names_field(p)) {
            diag.add(
                line, "points[" + p.id + "].field",
                "serial port \"" + p.device + "\"'s pattern names no field \"" + p.field + "\"");
        } else if (it != is_serial.end() && !it->second) {
            check_modbus_point(p, line, diag);
        }
    }
    std::set<std::string> reported_polls;
    for (auto& d : c.detectors) {
        for (const auto& [role, point] : d.inputs) {
            const PointConfig* p = c.point(point);
            if (!p)
                diag.add(detector_lines.at(d.id + ".inputs"),
                         "detectors[" + d.id + "].inputs." + role,
                         "point \"" + point + "\" is not defined");
            else {
                check_point_unit(d, role, *p, point_lines.at(point), diag);
                check_point_rate(d, role, *p, c, poll_lines, reported_polls, diag);
                check_point_window(d, role, *p, c, poll_lines, reported_polls, diag);
                if (p->min || p->max) use_point_range(d, role, *p, point_lines.at(point), diag);
                check_point_thresholds(d, role, *p, point_lines.at(point),
                                       detector_lines.at(d.id + ".inputs"), diag);
            }
        }
        if (!d.camera.empty() && !c.camera(d.camera))
            diag.add(detector_lines.at(d.id + ".camera"), "detectors[" + d.id + "].camera",
                     "camera \"" + d.camera + "\" is not defined");
        else if (!d.camera.empty())
            check_camera_rate(d, *c.camera(d.camera), detector_lines.at(d.id + ".camera"), diag);
        if (!d.camera.empty()) check_evidence_fits(d, c, detector_lines.at(d.id + ".camera"), diag);
    }
}

Config parse_all(const toml::table& doc, Diagnostics& diag,
                 const std::vector<DetectorKind>& kinds) {
    Config c;
    TomlReader root(doc, "", diag);
    IdRegistry ids;
    SourceLines lines;
    auto note_polls = [&lines](TomlReader& r, const std::string& table) {
        for (const char* key : {"poll_ms", "poll_ms_emergency"})
            lines.polls[table + "." + key] = r.line_of(key);
    };
    load_gateway(root, c);
    load_uplink(root, c);
    load_store(root, c);
    load_control(root, c);
    load_commands(root, c);
    load_incidents(root, c);
    load_emergency(root, c, lines.autos);
    SerialLines serial_lines;
    DeviceAddresses addresses;
    for (auto& d : root.tables("devices")) {
        load_device(d, c, ids, serial_lines, addresses);
        note_polls(d, "devices[" + c.devices.back().id + "]");
    }
    for (auto& p : root.tables("points")) {
        load_point(p, c, ids);
        lines.points[c.points.back().id] = p.line_of("device");
        note_polls(p, "points[" + c.points.back().id + "]");
        note_point_device_keys(p, c.points.back().id, lines);
    }
    for (auto& s : root.tables("serial_ports")) load_serial_port(s, c, ids, serial_lines);
    for (auto& cam : root.tables("cameras")) load_camera(cam, c, ids);
    for (auto& d : root.tables("detectors")) {
        load_detector(d, c, ids, kinds);
        lines.detectors[c.detectors.back().id + ".inputs"] = d.line_of("inputs");
        lines.detectors[c.detectors.back().id + ".camera"] = d.line_of("camera");
    }
    root.finish();
    check_references(c, diag, lines, kinds);
    return c;
}

// The first line whose dotted keys have more than kMaxKeyParts parts. A
// scan outside strings and comments: where a key goes (a line's start, a
// [table] header, an inline table after { or ,) every dot counts, since
// "1.1.1" is a key of three parts; in a value only the dots that do not sit
// between two digits do (the others are in numbers and times). The count is
// per line, not per key: inline tables nest, and their keys' parts add up
// in toml++'s recursion.
std::optional<long> line_with_too_many_key_parts(const std::string& text) {
    enum class In { code, basic, literal, ml_basic, ml_literal, comment } in = In::code;
    long line = 1;
    int dots = 0;
    std::vector<char> open;  // the [ and { of the values around
    bool key_side = true;
    bool header = false;
    auto at = [&](size_t i) { return i < text.size() ? text[i] : '\0'; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    auto inline_table = [&] { return !open.empty() && open.back() == '{'; };
    // A multi-line string may end in up to two quotes before its closing
    // three (say "hi" then three quotes): the last three of the run close it.
    auto end_of_quotes = [&](size_t i) {
        size_t run = 3;
        while (run < 5 && at(i + run) == text[i]) ++run;
        return i + run - 1;
    };
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            dots = 0;
            key_side = open.empty();
            header = false;
            if (in == In::comment || in == In::basic || in == In::literal) in = In::code;
            continue;
        }
        switch (in) {
            case In::code:
                if (c == '#')
                    in = In::comment;
                else if (text.compare(i, 3, "\"\"\"") == 0)
                    in = In::ml_basic, i += 2;
                else if (text.compare(i, 3, "\'\'\'") == 0)
                    in = In::ml_literal, i += 2;
                else if (c == '"')
                    in = In::basic;
                else if (c == '\'')
                    in = In::literal;
                else if (c == '.' &&
                         (key_side || !(i > 0 && digit(text[i - 1]) && digit(at(i + 1)))) &&
                         ++dots >= kMaxKeyParts)
                    return line;
                else if (c == '=' && (open.empty() || inline_table()))
                    key_side = false;
                else if (c == '{')
                    open.push_back('{'), key_side = true;
                else if (c == ',' && inline_table())
                    key_side = true;
                else if (c == '}' && inline_table())
                    open.pop_back(), key_side = false;
                else if (c == '[' && open.empty() && key_side)
                    header = true;
                else if (c == '[' && !key_side)
                    open.push_back('[');
                else if (c == ']' && !header && !open.empty() && open.back() == '[')
                    open.pop_back();
                break;
            case In::basic:
            case In::ml_basic:
                if (c == '\\')
                    ++i;
                else if (in == In::basic && c == '"')
                    in = In::code;
                else if (in == In::ml_basic && text.compare(i, 3, "\"\"\"") == 0)
                    in = In::code, i = end_of_quotes(i);
                break;
            case In::literal:
                if (c == '\'') in = In::code;
                break;
            case In::ml_literal:
                if (text.compare(i, 3, "'''") == 0) in = In::code, i = end_of_quotes(i);
                break;
            case In::comment:
                break;
        }
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> unparsable_toml(const std::string& text, const std::string& name) {
    Diagnostics diag(name);
    if (text.size() > static_cast<size_t>(kMaxConfigBytes))
        diag.add(0, "(file)",
                 "is " + std::to_string(text.size()) + " bytes: a configuration has at most " +
                     std::to_string(kMaxConfigBytes));
    else if (auto line = line_with_too_many_key_parts(text))
        diag.add(*line, "(syntax)",
                 "a dotted key of more than " + std::to_string(kMaxKeyParts) + " parts");
    return diag.lines();
}

LoadResult load_config_text(const std::string& text, const std::string& name,
                            const std::vector<DetectorKind>& kinds) {
    LoadResult result;
    Diagnostics diag(name);
    if (auto refused = unparsable_toml(text, name); !refused.empty()) {
        result.errors.lines = std::move(refused);
        return result;
    }
    toml::table doc;
    try {
        doc = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        diag.add(static_cast<long>(e.source().begin.line), "(syntax)",
                 std::string(e.description()));
        result.errors.lines = diag.lines();
        return result;
    }
    Config c = parse_all(doc, diag, kinds);
    result.errors.lines = diag.lines();
    if (result.errors.lines.empty()) {
        c.file = name;
        c.hash = hash_text(text);
        result.config = std::move(c);
    }
    return result;
}

std::string DetectorParams::error() const {
    std::string out;
    for (const auto& p : problems) out += (out.empty() ? "" : "; ") + p;
    return out;
}

DetectorParams read_detector_params(const DetectorKind& kind, const std::string& toml_text) {
    DetectorParams result;
    Diagnostics diag("");
    // The same guards as a config file's (gatewayctl analyze reads params
    // from the command line and from files).
    if (toml_text.size() > static_cast<size_t>(kMaxConfigBytes)) {
        result.problems.push_back("params: more than " + std::to_string(kMaxConfigBytes) +
                                  " bytes");
        return result;
    }
    if (auto line = line_with_too_many_key_parts(toml_text)) {
        result.problems.push_back("params: line " + std::to_string(*line) +
                                  ": a dotted key of more than " + std::to_string(kMaxKeyParts) +
                                  " parts");
        return result;
    }
    toml::table doc;
    try {
        doc = toml::parse(toml_text, std::string("params"));
    } catch (const toml::parse_error& e) {
        result.problems.push_back("params: line " + std::to_string(e.source().begin.line) + ": " +
                                  std::string(e.description()));
        return result;
    }
    auto settings = read_settings(kind, TomlReader(doc, "params", diag));
    for (const auto& p : diag.problems()) result.problems.push_back(p.path + ": " + p.what);
    if (result.problems.empty()) result.settings = std::move(settings);
    return result;
}

LoadResult load_config(const std::string& path, const std::vector<DetectorKind>& kinds) {
    auto refused = [&](const std::string& why) {
        LoadResult r;
        r.errors.lines.push_back(path + ":0: (file): " + why);
        return r;
    };
    auto file = readable_regular_file(path);
    if (!file) return refused(file.error());
    if (file->st_size > kMaxConfigBytes)
        return refused("is " + std::to_string(file->st_size) +
                       " bytes: a configuration has at most " + std::to_string(kMaxConfigBytes));
    std::ifstream in(path, std::ios::binary);
    if (!in) return refused(std::string("cannot read: ") + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return load_config_text(ss.str(), path, kinds);
}

}  // namespace gw
