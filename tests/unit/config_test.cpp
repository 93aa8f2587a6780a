#include "config/loader.hpp"
#include "config/start_checks.hpp"
#include "detectors/flood/flood_settings.hpp"
#include "detectors/kinds.hpp"

#include <sys/stat.h>

#include <string>

#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

namespace {

// A small valid config; tests break one thing at a time. Line numbers below
// refer to this text, so keep its layout.
const char* kBase = R"(# line 1
[gateway]
district = "d1"
site = "s1"
id = "gw1"
data_dir = "/tmp/gw"

[uplink]
brokers = ["tcp://127.0.0.1:1883"]

[[devices]]
id = "plc1"
host = "127.0.0.1"
port = 1502

[[points]]
id = "depth"
device = "plc1"
address = 0
unit = "cm"

[[detectors]]
id = "flood1"
kind = "flood"
inputs = { depth = "depth" }
)";

gw::LoadResult load(const std::string& text) {
    return gw::load_config_text(text, "cfg.toml", gw::detectors::kinds());
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    if (pos == std::string::npos) FAIL(("test bug: no '" + from + "' in base config").c_str());
    return text.replace(pos, from.size(), to);
}

// The single error a broken config must produce.
std::string only_error(const std::string& text) {
    auto r = load(text);
    CHECK_FALSE(r.ok());
    if (r.errors.lines.size() != 1) {
        std::string all;
        for (auto& l : r.errors.lines) all += l + "\n";
        FAIL(("expected exactly one error, got:\n" + all).c_str());
    }
    return r.errors.lines[0];
}

// Every error of a broken config, one per line.
std::string all_errors(const std::string& text) {
    auto r = load(text);
    CHECK_FALSE(r.ok());
    std::string all;
    for (auto& l : r.errors.lines) all += l + "\n";
    return all;
}

}  // namespace

TEST_GROUP(Config){};

TEST(Config, BaseIsValidAndFilledIn) {
    auto r = load(kBase);
    CHECK(r.ok());
    const gw::Config& c = *r.config;
    STRCMP_EQUAL("gw1", c.identity.gateway.c_str());
    STRCMP_EQUAL("/tmp/gw/store.db", c.store.path.c_str());
    STRCMP_EQUAL("s1-gw1", c.uplink.client_id.c_str());
    LONGS_EQUAL(1502, c.devices.at(0).port);
    CHECK(c.points.at(0).table == gw::Table::holding_register);
    // Detector parameters come back with every default filled in.
    const auto* flood = c.detectors.at(0).settings_as<gw::detectors::FloodSettings>();
    CHECK(flood != nullptr);
    LONGS_EQUAL(3, flood->depth_levels_cm.size());
    DOUBLES_EQUAL(30.0, flood->depth_levels_cm[1], 1e-9);
    LONGS_EQUAL(16, c.hash.size());
}

TEST(Config, TheUplinkConnectTimeoutIsReadAndBounded) {
    LONGS_EQUAL(5, load(kBase).config->uplink.connect_timeout_s);
    LONGS_EQUAL(64, load(kBase).config->uplink.inflight_bulk_kb);
    const std::string brokers = "brokers = [\"tcp://127.0.0.1:1883\"]";
    auto r = load(replace(kBase, brokers, brokers + "\nconnect_timeout_s = 30"));
    CHECK(r.ok());
    LONGS_EQUAL(30, r.config->uplink.connect_timeout_s);
    STRCMP_CONTAINS(
        "uplink.connect_timeout_s",
        only_error(replace(kBase, brokers, brokers + "\nconnect_timeout_s = 0")).c_str());
}

// An empty secret_file (a template's variable never filled in) ran every
// unsigned command from the broker without a word.
TEST(Config, AnEmptyCommandSecretFileIsRefused) {
    STRCMP_CONTAINS(
        "commands.secret_file: must name the file with the shared secret; to run "
        "unsigned commands, leave the key out",
        only_error(std::string(kBase) + "[commands]\nsecret_file = \"\"\n").c_str());
}

TEST(Config, ExampleConfigIsValid) {
    auto r =
        gw::load_config(std::string(GW_SOURCE_DIR) + "/firmware/base/config/gateway.example.toml",
                        gw::detectors::kinds());
    for (auto& l : r.errors.lines) printf("%s\n", l.c_str());
    CHECK(r.ok());
    CHECK(r.config->devices.size() >= 3);
    CHECK(r.config->detectors.size() >= 4);
}

TEST(Config, SyntaxErrorNamesTheLine) {
    std::string e = only_error(replace(kBase, "port = 1502", "port = = 1502"));
    STRCMP_CONTAINS("cfg.toml:14: (syntax):", e.c_str());
}

// TOML allows "\u0000"; a path or topic holding one would be cut short by
// every C call it reaches, so the gateway would use another file than said.
TEST(Config, ANulCharacterInAStringIsRefused) {
    std::string e =
        only_error(replace(kBase, "data_dir = \"/tmp/gw\"", "data_dir = \"/tmp/gw\\u0000/etc\""));
    STRCMP_EQUAL("cfg.toml:6: gateway.data_dir: must not contain a NUL character (\\u0000)",
                 e.c_str());
    auto r = load(replace(kBase, "1883\"]", "1883\", \"tcp://b\\u0000:1883\"]"));
    CHECK_FALSE(r.ok());
    std::string all;
    for (auto& l : r.errors.lines) all += l + "\n";
    STRCMP_CONTAINS("cfg.toml:9: uplink.brokers[1]: must not contain a NUL character", all.c_str());
}

TEST(Config, UnknownKeyIsReported) {
    std::string e = only_error(replace(kBase, "port = 1502", "port = 1502\npol_ms = 10"));
    STRCMP_EQUAL("cfg.toml:15: devices[plc1].pol_ms: unknown key", e.c_str());
}

TEST(Config, UnknownSectionIsReported) {
    std::string e = only_error(std::string(kBase) + "[storage]\npath = \"x\"\n");
    STRCMP_CONTAINS(": storage: unknown key", e.c_str());
}

TEST(Config, WrongTypeIsReported) {
    std::string e = only_error(replace(kBase, "port = 1502", "port = \"1502\""));
    STRCMP_EQUAL("cfg.toml:14: devices[plc1].port: expected an integer, got a string", e.c_str());
}

// A bool point on a Modbus device without `table` read holding register N
// as a number: a smoke input on a register holding a temperature was smoke
// for good. Said once, with or without `table`.
TEST(Config, ABoolModbusPointNeedsABitTable) {
    std::string e = only_error(replace(kBase, "address = 0\n", "address = 0\ntype = \"bool\"\n"));
    STRCMP_CONTAINS("cfg.toml:18: points[depth].table: type bool needs table = \"coil\" or",
                    e.c_str());
    STRCMP_CONTAINS("reads holding_register 0 as a number", e.c_str());
    e = only_error(replace(kBase, "address = 0\n",
                           "address = 0\ntype = \"bool\"\ntable = \"input_register\"\n"));
    STRCMP_CONTAINS("reads input_register 0 as a number", e.c_str());
    CHECK(load(replace(kBase, "address = 0\n",
                       "address = 0\ntype = \"bool\"\ntable = \"discrete_input\"\n"))
              .ok());
}

TEST(Config, OutOfRangeIsReported) {
    std::string e = only_error(replace(kBase, "port = 1502", "port = 70000"));
    STRCMP_EQUAL("cfg.toml:14: devices[plc1].port: must be between 1 and 65535, got 70000",
                 e.c_str());
    // 2^32 + 1: where `long` has 32 bits (armhf) a cast made it 1, which passed.
    e = only_error(replace(kBase, "port = 1502", "port = 4294967297"));
    STRCMP_EQUAL("cfg.toml:14: devices[plc1].port: must be between 1 and 65535, got 4294967297",
                 e.c_str());
}

TEST(Config, DuplicateIdIsReported) {
    std::string e =
        only_error(std::string(kBase) + "\n[[points]]\nid = \"plc1\"\ndevice = \"plc1\"\n");
    STRCMP_CONTAINS("points[plc1].id: duplicate id \"plc1\" (devices defined at line 12)",
                    e.c_str());
}

TEST(Config, UndefinedDeviceIsReported) {
    std::string e = only_error(replace(kBase, "device = \"plc1\"", "device = \"plc9\""));
    STRCMP_EQUAL(
        "cfg.toml:18: points[depth].device: device \"plc9\" is not defined in [[devices]] or "
        "[[serial_ports]]",
        e.c_str());
}

TEST(Config, UndefinedPointIsReported) {
    std::string e = only_error(replace(kBase, "depth = \"depth\"", "depth = \"level\""));
    STRCMP_EQUAL("cfg.toml:25: detectors[flood1].inputs.depth: point \"level\" is not defined",
                 e.c_str());
}

TEST(Config, MissingRequiredKeyIsReported) {
    std::string e = only_error(replace(kBase, "site = \"s1\"\n", ""));
    STRCMP_EQUAL("cfg.toml:2: gateway.site: required key is missing", e.c_str());
}

TEST(Config, BadBrokerUriIsReported) {
    std::string e = only_error(replace(kBase, "tcp://127.0.0.1:1883", "127.0.0.1"));
    STRCMP_CONTAINS("cfg.toml:9: uplink.brokers: \"127.0.0.1\" is not a broker URI", e.c_str());
}

TEST(Config, BrokerPortOutOfRangeIsReported) {
    std::string e = only_error(replace(kBase, "tcp://127.0.0.1:1883", "tcp://127.0.0.1:99999"));
    STRCMP_EQUAL("cfg.toml:9: uplink.brokers: \"tcp://127.0.0.1:99999\": the port must be 1-65535",
                 e.c_str());
    only_error(replace(kBase, "tcp://127.0.0.1:1883", "tcp://127.0.0.1:0"));
}

// libmodbus runs a rate termios does not name at 9600 without a word.
TEST(Config, NonStandardBaudRateIsReported) {
    std::string e =
        only_error(replace(kBase, "host = \"127.0.0.1\"\nport = 1502",
                           "transport = \"rtu\"\nserial = \"/dev/ttyUSB0\"\nbaud = 14400"));
    STRCMP_CONTAINS("devices[plc1].baud: 14400 is not a standard rate (300, 600,", e.c_str());
    CHECK(load(replace(kBase, "host = \"127.0.0.1\"\nport = 1502",
                       "transport = \"rtu\"\nserial = \"/dev/ttyUSB0\"\nbaud = 19200"))
              .ok());
}

// A serial port's pattern and its points' fields are checked where the
// config is read, not when the port starts (a reload would then fail late).
const char* kSerial = R"cfg(
[[serial_ports]]
id = "wx"
device = "/dev/ttyUSB1"
pattern = "T=(?<temp>[0-9.]+)"

[[points]]
id = "temp"
device = "wx"
field = "temp"
)cfg";

TEST(Config, SerialPortPatternIsCheckedWhenRead) {
    CHECK(load(std::string(kBase) + kSerial).ok());
    std::string e =
        only_error(std::string(kBase) + replace(kSerial, "(?<temp>[0-9.]+)", "(?<temp>[0-9.]+"));
    STRCMP_CONTAINS("cfg.toml:30: serial_ports[wx].pattern: invalid regular expression", e.c_str());
    e = only_error(std::string(kBase) + replace(kSerial, "field = \"temp\"", "field = \"tmp\""));
    STRCMP_EQUAL(
        "cfg.toml:34: points[temp].field: serial port \"wx\"'s pattern names no field \"tmp\"",
        e.c_str());
}

// A key the point's kind of device never reads would do nothing, silently:
// a serial sensor is not polled and has no registers; a Modbus register has
// no named field. Said once the device is known (it may come later).
TEST(Config, APointKeyItsKindOfDeviceDoesNotReadSaysWhichKindItIsFor) {
    STRCMP_EQUAL(
        "cfg.toml:37: points[temp].poll_ms: applies to points on a Modbus device only; \"wx\" "
        "is a serial port ([[serial_ports]])",
        only_error(std::string(kBase) + replace(kSerial, "field = \"temp\"",
                                                "field = \"temp\"\nunit = \"C\"\npoll_ms = 500"))
            .c_str());
    const std::string both = all_errors(
        std::string(kBase) +
        replace(kSerial, "field = \"temp\"", "field = \"temp\"\naddress = 4\ntype = \"float32\""));
    STRCMP_CONTAINS("cfg.toml:36: points[temp].address: applies to points on a Modbus",
                    both.c_str());
    STRCMP_CONTAINS("cfg.toml:37: points[temp].type: applies to points on a Modbus", both.c_str());
    STRCMP_EQUAL(
        "cfg.toml:20: points[depth].field: applies to points on a serial port only; \"plc1\" is "
        "a Modbus device ([[devices]])",
        only_error(replace(kBase, "address = 0", "address = 0\nfield = \"depth\"")).c_str());
}

// The socket made on one of the store's files would be refused at start as
// "another gatewayd" (their lock files clash), or fail on the file it
// found there: the config says which file it is.
TEST(Config, AControlSocketOnOneOfTheStoresFilesIsRefused) {
    for (const char* name : {"store.db", "store.db-wal", "boot.count", "store.db.lock"}) {
        STRCMP_EQUAL(
            ("cfg.toml:28: control.socket: /tmp/gw/" + std::string(name) +
             " is one of the store's own files (store.path /tmp/gw/store.db); name "
             "another file")
                .c_str(),
            only_error(std::string(kBase) + "\n[control]\nsocket = \"/tmp/gw/" + name + "\"\n")
                .c_str());
    }
    CHECK(load(std::string(kBase) + "\n[control]\nsocket = \"/tmp/gw/store.sock\"\n").ok());
    CHECK(load(std::string(kBase) + "\n[control]\nsocket = \"/run/gw/store.db\"\n").ok());
}

// The message shows the header to write, with its table: [[emergency.auto]].
TEST(Config, AnArrayOfTablesOfTheWrongTypeNamesItsFullHeader) {
    STRCMP_CONTAINS("emergency.auto: expected an array of tables ([[emergency.auto]])",
                    only_error(std::string(kBase) + "\n[emergency]\nauto = 5\n").c_str());
    STRCMP_CONTAINS("serial_ports: expected an array of tables ([[serial_ports]])",
                    all_errors("serial_ports = 1\n" + std::string(kBase)).c_str());
}

TEST(Config, BadChoiceIsReported) {
    std::string e = only_error(replace(kBase, "address = 0", "address = 0\ntable = \"holding\""));
    STRCMP_CONTAINS(
        "points[depth].table: must be one of coil, discrete_input, input_register, "
        "holding_register",
        e.c_str());
}

TEST(Config, DetectorParamOutOfRangeIsReported) {
    std::string e = only_error(std::string(kBase) + "[detectors.params]\nmm_per_tip = 50\n");
    STRCMP_CONTAINS("detectors[flood1].params.mm_per_tip: must be between 0.01 and 10, got 50",
                    e.c_str());
}

TEST(Config, DetectorLevelsMustAscend) {
    std::string e =
        only_error(std::string(kBase) + "[detectors.params]\ndepth_levels_cm = [30, 15, 50]\n");
    STRCMP_CONTAINS("detectors[flood1].params.depth_levels_cm: levels must be in ascending order",
                    e.c_str());
}

TEST(Config, DetectorRainCounterMaxMustBeAFeasibleCounter) {
    std::string e = only_error(std::string(kBase) + "[detectors.params]\nrain_counter_max = -1\n");
    STRCMP_CONTAINS("detectors[flood1].params.rain_counter_max: must be between 0 and", e.c_str());
}

TEST(Config, DetectorUnknownParamIsReported) {
    std::string e = only_error(std::string(kBase) + "[detectors.params]\nwarn_cm = 10\n");
    STRCMP_CONTAINS("detectors[flood1].params.warn_cm: unknown key", e.c_str());
}

TEST(Config, MissingDetectorInputIsReported) {
    std::string e = only_error(replace(kBase, "inputs = { depth = \"depth\" }", "inputs = {}"));
    STRCMP_CONTAINS("detectors[flood1].inputs: a flood detector needs depth, rain_counter or both",
                    e.c_str());
}

TEST(Config, UnknownDetectorKindIsReported) {
    std::string e = only_error(replace(kBase, "kind = \"flood\"", "kind = \"tsunami\""));
    STRCMP_CONTAINS("detectors[flood1].kind: must be one of flood, fire, elevator, crowd",
                    e.c_str());
}

TEST(Config, TlsCertNeedsKey) {
    std::string e = only_error(
        replace(replace(kBase, "tcp://127.0.0.1:1883", "ssl://127.0.0.1:8883"), "[[devices]]",
                "[uplink.tls]\nca_file = \"ca.crt\"\ncert_file = \"c.crt\"\n\n[[devices]]"));
    STRCMP_CONTAINS("uplink.tls: cert_file and key_file go together", e.c_str());
}

// Paho encrypts by the URI's scheme: a tcp:// broker beside [uplink.tls]
// (a failover entry, or a table added to a plain config) went out in clear.
TEST(Config, TlsNeedsEncryptedBrokers) {
    std::string e =
        only_error(replace(replace(kBase, "\"tcp://127.0.0.1:1883\"",
                                   "\"ssl://127.0.0.1:8883\", \"tcp://127.0.0.1:1883\""),
                           "[[devices]]", "[uplink.tls]\nca_file = \"ca.crt\"\n\n[[devices]]"));
    STRCMP_CONTAINS("uplink.brokers: entry 2 (\"tcp://127.0.0.1:1883\") is not encrypted",
                    e.c_str());
}

// One RS-485 line is one poller with the first device's settings: a second
// device that says another baud rate would never be answered. A serial
// sensor port has its tty to itself.
TEST(Config, ASerialLineHasOneSetOfSettingsAndOneKindOfOwner) {
    const std::string rtu = replace(kBase, "host = \"127.0.0.1\"\nport = 1502",
                                    "transport = \"rtu\"\nserial = \"/dev/ttyS1\"\nbaud = 19200");
    const std::string second =
        "\n[[devices]]\nid = \"plc2\"\ntransport = \"rtu\"\n"
        "serial = \"/dev/ttyS1\"\nslave = 2\n";
    CHECK(load(rtu + second + "baud = 19200\n").ok());
    std::string e = only_error(rtu + second + "baud = 19200\nparity = \"E\"\n");
    STRCMP_CONTAINS(
        "devices[plc2].parity: E, but device \"plc1\" on the same line /dev/ttyS1 has "
        "N: devices on one line share its settings",
        e.c_str());
    // What a later device leaves out is the line's, as the poller does it.
    auto inherits = load(rtu + second);
    CHECK_TEXT(inherits.ok(), inherits.ok() ? "" : inherits.errors.lines.at(0).c_str());
    LONGS_EQUAL(19200, inherits.config->device("plc2")->baud);
    e = only_error(rtu + second + "baud = 9600\n");
    STRCMP_CONTAINS("devices[plc2].baud: 9600, but device \"plc1\"", e.c_str());
    // One tty, however it is spelled.
    e = only_error(rtu + replace(second, "/dev/ttyS1", "/dev//ttyS1") + "baud = 9600\n");
    STRCMP_CONTAINS("on the same line /dev/ttyS1", e.c_str());

    const std::string port =
        "\n[[serial_ports]]\nid = \"wx\"\ndevice = \"/dev/ttyS1\"\n"
        "pattern = \"T=(?<temp>[0-9.]+)\"\n";
    e = only_error(rtu + port);
    STRCMP_CONTAINS("serial_ports[wx].device: /dev/ttyS1 is also device \"plc1\"'s line (line ",
                    e.c_str());
    const std::string other =
        "\n[[serial_ports]]\nid = \"wx2\"\ndevice = \"/dev/ttyUSB1\"\n"
        "pattern = \"T=(?<temp>[0-9.]+)\"\n";
    e = only_error(std::string(kBase) + other + other.substr(0, other.find("wx2")) + "wx3" +
                   other.substr(other.find("wx2") + 3));
    STRCMP_CONTAINS("serial_ports[wx3].device: /dev/ttyUSB1 is also serial port \"wx2\"'s line",
                    e.c_str());
}

// Two entries at one Modbus address poll one device twice, and its
// failures would mark both offline: the second is refused, on RTU (line and
// slave id) and on TCP (host, port and unit id).
TEST(Config, TwoDevicesAtOneModbusAddressAreRefused) {
    const std::string rtu = replace(kBase, "host = \"127.0.0.1\"\nport = 1502",
                                    "transport = \"rtu\"\nserial = \"/dev/ttyS1\"\nslave = 2");
    const std::string second =
        "\n[[devices]]\nid = \"plc2\"\ntransport = \"rtu\"\nserial = \"/dev/ttyS1\"\n";
    CHECK(load(rtu + second + "slave = 3\n").ok());
    CHECK(load(rtu + replace(second, "ttyS1", "ttyS2") + "slave = 2\n").ok());
    STRCMP_EQUAL(
        "cfg.toml:32: devices[plc2].slave: slave 2 on /dev/ttyS1 is also device \"plc1\" (line "
        "12): two entries would poll one device; give each its own slave id, or merge their "
        "points",
        only_error(rtu + second + "slave = 2\n").c_str());

    const std::string tcp = "\n[[devices]]\nid = \"plc2\"\nhost = \"127.0.0.1\"\n";
    CHECK(load(kBase + tcp + "port = 1502\nslave = 2\n").ok());
    CHECK(load(kBase + tcp + "port = 1503\n").ok());
    STRCMP_CONTAINS(
        "devices[plc2].slave: unit id 1 at 127.0.0.1:1502 is also device \"plc1\" (line 12): "
        "two entries would poll one device; give each its own unit id",
        only_error(kBase + tcp + "port = 1502\n").c_str());
}

// A key of the other transport is no typo: the technician is told which
// transport it belongs to, not sent looking for a misspelling.
TEST(Config, AKeyOfTheOtherTransportSaysWhichTransportItIsFor) {
    STRCMP_EQUAL(
        "cfg.toml:15: devices[plc1].baud: applies to transport = \"rtu\" only; this device's "
        "transport is \"tcp\" (the default)",
        only_error(replace(kBase, "port = 1502", "port = 1502\nbaud = 19200")).c_str());
    STRCMP_EQUAL(
        "cfg.toml:15: devices[plc1].host: applies to transport = \"tcp\" only; this device's "
        "transport is \"rtu\"",
        only_error(replace(kBase, "host = \"127.0.0.1\"\nport = 1502",
                           "transport = \"rtu\"\nserial = \"/dev/ttyS1\"\nhost = \"127.0.0.1\""))
            .c_str());
}

// A flood gauge needs two readings within its silent_s (300 s by default):
// polled every 10 min it would be reported silent between polls, and its
// incidents frozen. The key named is the one to change.
TEST(Config, APointPolledTooSeldomForItsDetectorsSilenceLimitIsRefused) {
    // A rise window long enough for any poll here: only silence is judged.
    const std::string base = std::string(kBase) + "params = { rise_window_s = 86400 }\n";
    std::string e = only_error(replace(base, "port = 1502", "port = 1502\npoll_ms = 600000"));
    STRCMP_EQUAL(
        "cfg.toml:15: devices[plc1].poll_ms: polled every 600 s, but "
        "detectors[flood1].inputs.depth (point \"depth\") needs two readings within its "
        "silent_s of 300 s: poll at least every 150 s, or set "
        "detectors[flood1].params.silent_s to 1200 or more",
        e.c_str());
    CHECK(load(replace(base, "unit = \"cm\"", "unit = \"cm\"\npoll_ms = 150000")).ok());
    e = only_error(replace(base, "unit = \"cm\"", "unit = \"cm\"\npoll_ms = 150001"));
    STRCMP_CONTAINS("points[depth].poll_ms: polled every 150.001 s", e.c_str());
    // Emergency mode polls as it is told, even slower.
    e = only_error(replace(base, "unit = \"cm\"", "unit = \"cm\"\npoll_ms_emergency = 3600000"));
    STRCMP_CONTAINS("points[depth].poll_ms_emergency: polled every 3600 s", e.c_str());
    // A point's emergency interval of 0 is its device's, even with a
    // poll_ms of its own (the poller's plan_reads uses the same rule).
    e = only_error(replace(replace(base, "port = 1502", "port = 1502\npoll_ms_emergency = 3600000"),
                           "unit = \"cm\"",
                           "unit = \"cm\"\npoll_ms = 1000\npoll_ms_emergency = 0"));
    STRCMP_CONTAINS("devices[plc1].poll_ms_emergency: polled every 3600 s", e.c_str());
    // The suggested silent_s is rounded up, and fits.
    const std::string odd = replace(base, "port = 1502", "port = 1502\npoll_ms = 1234567");
    STRCMP_CONTAINS("poll_ms: polled every 1234.57 s", all_errors(odd).c_str());
    STRCMP_CONTAINS("silent_s to 2470 or more", all_errors(odd).c_str());
    CHECK(load(replace(odd, "86400 }", "86400, silent_s = 2470 }")).ok());
    // Past what silent_s can be, only the poll can change.
    e = all_errors(replace(base, "port = 1502", "port = 1502\npoll_ms = 50000000"));
    STRCMP_CONTAINS("poll at least every 150 s (silent_s is at most 86400)", e.c_str());
}

// A rate of change is fitted over its window and needs three readings in
// it: a 60 s rate-of-rise window on a temperature polled every 40 s never
// judged the rise, and said nothing.
TEST(Config, APointPolledTooSeldomForItsDetectorsRateWindowIsRefused) {
    const std::string base = std::string(kBase) + "params = { silent_s = 3600 }\n";
    std::string e = only_error(replace(base, "unit = \"cm\"", "unit = \"cm\"\npoll_ms = 400000"));
    STRCMP_EQUAL(
        "cfg.toml:21: points[depth].poll_ms: polled every 400 s, but detectors[flood1].inputs."
        "depth (point \"depth\") needs three readings within its rise_window_s of 600 s to "
        "judge a rate: poll at least every 200 s, or set detectors[flood1].params.rise_window_s "
        "to 1200 or more",
        e.c_str());
    CHECK(load(replace(base, "unit = \"cm\"", "unit = \"cm\"\npoll_ms = 200000")).ok());
    CHECK(load(replace(replace(base, "unit = \"cm\"", "unit = \"cm\"\npoll_ms = 400000"),
                       "silent_s = 3600", "silent_s = 3600, rise_window_s = 1200"))
              .ok());
    // A fire's rate-of-rise window is at most 600 s: only the poll can change.
    const std::string fire =
        std::string(kBase) +
        "\n[[points]]\nid = \"heat\"\ndevice = \"plc1\"\naddress = 1\n"
        "unit = \"C\"\npoll_ms = 250000\n\n[[detectors]]\nid = \"fire1\"\nkind = \"fire\"\n"
        "inputs = { temperature = \"heat\" }\nparams = { silent_s = 3600 }\n";
    e = all_errors(fire);
    STRCMP_CONTAINS(
        "needs three readings within its ror_window_s of 60 s to judge a rate: poll "
        "at least every 20 s\n",
        e.c_str());
}

// Modbus reserves unit ids 248-254. libmodbus refuses them on TCP, and the
// poller did not check: the request went out with the previous device's id
// and its registers were read as this device's.
TEST(Config, AReservedTcpUnitIdIsRefused) {
    std::string e = only_error(replace(kBase, "port = 1502", "port = 1502\nslave = 250"));
    STRCMP_EQUAL(
        "cfg.toml:15: devices[plc1].slave: must be 0-247 or 255 on TCP (248-254 are reserved), "
        "got 250",
        e.c_str());
    CHECK(load(replace(kBase, "port = 1502", "port = 1502\nslave = 255")).ok());
    CHECK(load(replace(kBase, "port = 1502", "port = 1502\nslave = 0")).ok());
}

TEST(Config, RtuDeviceNeedsSerial) {
    std::string e =
        only_error(replace(kBase, "host = \"127.0.0.1\"\nport = 1502", "transport = \"rtu\""));
    STRCMP_CONTAINS("devices[plc1].serial: required key is missing", e.c_str());
}

TEST(Config, EveryProblemIsReportedAtOnce) {
    std::string text = replace(kBase, "port = 1502", "port = 0");
    text = replace(text, "device = \"plc1\"", "device = \"nope\"");
    text = replace(text, "district = \"d1\"", "district = 5");
    auto r = load(text);
    CHECK_FALSE(r.ok());
    LONGS_EQUAL(3, r.errors.lines.size());
}

TEST(Config, MissingFileIsReported) {
    auto r = gw::load_config("/nonexistent/gw.toml", gw::detectors::kinds());
    CHECK_FALSE(r.ok());
    STRCMP_CONTAINS("/nonexistent/gw.toml:0: (file): cannot read:", r.errors.lines.at(0).c_str());
}

TEST(Config, DirectoryIsReportedAsUnreadable) {
    gw::test::TempDir dir;
    auto r = gw::load_config(dir.path(), gw::detectors::kinds());
    CHECK_FALSE(r.ok());
    STRCMP_EQUAL((dir.path() + ":0: (file): cannot read: Is a directory").c_str(),
                 r.errors.lines.at(0).c_str());
}

// A gauge reporting mm, mapped to a flood depth (read in cm), would have
// raised a critical 50 cm flood at 5 cm of water.
TEST(Config, APointInAnotherUnitThanItsDetectorReadsIsRefused) {
    std::string e = only_error(replace(kBase, "unit = \"cm\"", "unit = \"mm\""));
    STRCMP_EQUAL(
        "cfg.toml:18: points[depth].unit: \"mm\", but detectors[flood1].inputs.depth is read in "
        "cm: convert with the point's scale and set unit = \"cm\"",
        e.c_str());
    CHECK(load(replace(kBase, "unit = \"cm\"\n", "")).ok());  // no unit: not checked
}

// A FIFO blocked the loader until a writer came (gatewayd --check-config
// hung); /dev/zero filled memory.
TEST(Config, AFifoOrADeviceIsNotReadAsAConfig) {
    gw::test::TempDir dir;
    const std::string fifo = dir.file("gw.toml");
    CHECK_EQUAL(0, ::mkfifo(fifo.c_str(), 0600));
    auto r = gw::load_config(fifo, gw::detectors::kinds());
    CHECK_FALSE(r.ok());
    STRCMP_EQUAL((fifo + ":0: (file): not a regular file").c_str(), r.errors.lines.at(0).c_str());
    r = gw::load_config("/dev/zero", gw::detectors::kinds());
    STRCMP_EQUAL("/dev/zero:0: (file): not a regular file", r.errors.lines.at(0).c_str());
    const std::string big = dir.write("big.toml", std::string(gw::kMaxConfigBytes + 1, '#'));
    r = gw::load_config(big, gw::detectors::kinds());
    STRCMP_CONTAINS("a configuration has at most 1048576", r.errors.lines.at(0).c_str());
}

// std::regex recursed once per character of a broker URI: 30,000
// characters overflowed the stack (and a reload killed the daemon).
TEST(Config, AVeryLongBrokerUriIsRefusedNotACrash) {
    const std::string host(30000, 'a');
    std::string e = only_error(replace(kBase, "tcp://127.0.0.1:1883", "tcp://" + host + ":1883"));
    STRCMP_EQUAL(
        "cfg.toml:9: uplink.brokers: entry 1 is 30011 characters long: a broker URI has at most "
        "300",
        e.c_str());
}

// toml++ recursed once per part of a dotted key without a limit: 50,000
// parts overflowed the stack. Numbers and times are not keys.
TEST(Config, ADottedKeyOfTooManyPartsIsRefusedNotACrash) {
    std::string key = "a";
    for (int i = 0; i < 50000; ++i) key += ".a";
    std::string e = only_error(std::string(kBase) + key + " = 1\n");
    STRCMP_EQUAL("cfg.toml:26: (syntax): a dotted key of more than 64 parts", e.c_str());
    e = only_error(std::string(kBase) + "[" + key + "]\n");
    STRCMP_EQUAL("cfg.toml:26: (syntax): a dotted key of more than 64 parts", e.c_str());
    // A key of digits is a key too: "1.1.1" has three parts (a digit on
    // each side of a dot was taken for a number, and toml++ overflowed).
    std::string digits = "1";
    for (int i = 0; i < 50000; ++i) digits += ".1";
    for (const std::string& line :
         {digits + " = 1", "[" + digits + "]", "[[" + digits + "]]", "x = { " + digits + " = 1 }",
          "x = { a = 1, " + digits + " = 2 }"}) {
        e = only_error(std::string(kBase) + line + "\n");
        STRCMP_EQUAL("cfg.toml:26: (syntax): a dotted key of more than 64 parts", e.c_str());
    }
    std::string floats = "roi = [";
    for (int i = 0; i < 200; ++i) floats += "0.5, ";
    floats += "1979-05-27T07:32:00.999]  # a.b.c " + std::string(100, '.');
    const std::string text = std::string(kBase) + "pattern = \"" + std::string(200, '.') +
                             "\"\nmore = '''\n" + std::string(200, '.') + "\n'''\n" + floats + "\n";
    for (const auto& line : load(text).errors.lines)
        CHECK_TEXT(line.find("dotted key") == std::string::npos, line.c_str());
    // A multi-line string may end in up to two quotes before its closing
    // three; the scan closed it at the first three, and the quote left over
    // opened a string that hid the line's brackets for the rest of the file.
    const std::string quoted = std::string(kBase) + "a = [\"\"\"x\"\"\"\"\", '''y''''']\n" +
                               floats + "\nb = { s = \"\"\"x\"\"\"\", n = 1 }\n" + floats + "\n";
    for (const auto& line : load(quoted).errors.lines)
        CHECK_TEXT(line.find("dotted key") == std::string::npos, line.c_str());
    e = only_error(std::string(kBase) + "a = [\"\"\"x\"\"\"\"]\n" + digits + " = 1\n");
    STRCMP_EQUAL("cfg.toml:27: (syntax): a dotted key of more than 64 parts", e.c_str());
}

// A file's path may have spaces; a network URL is sent as it is.
TEST(Config, ACameraUrlWithASpaceOrALineBreakIsRefused) {
    for (const char* url : {"rtsp://cam/live stream", "rtsp://cam/live\\r\\nX-Evil: 1"}) {
        std::string text =
            std::string(kBase) + "\n[[cameras]]\nid = \"cam1\"\nurl = \"" + url + "\"\n";
        STRCMP_EQUAL(
            "cfg.toml:29: cameras[cam1].url: must not contain spaces or control "
            "characters (percent-encode them: %20)",
            only_error(text).c_str());
    }
    CHECK(load(std::string(kBase) +
               "\n[[cameras]]\nid = \"cam1\"\nurl = \"/var/lib/site clips/yard.mp4\"\n")
              .ok());
    CHECK(load(std::string(kBase) +
               "\n[[cameras]]\nid = \"cam1\"\nurl = \"rtsp://cam/live%20stream\"\n")
              .ok());
}

TEST(Config, CameraTooSlowForVideoFireIsReported) {
    std::string text = std::string(kBase) + R"(
[[cameras]]
id = "cam1"
url = "/dev/video0"
fps = 5

[[detectors]]
id = "vfire"
kind = "video_fire"
camera = "cam1"
)";
    std::string e = only_error(text);
    STRCMP_EQUAL(
        "cfg.toml:35: detectors[vfire].camera: camera \"cam1\" runs at 5 fps; a video_fire "
        "detector needs at least 10 (raise cameras.fps or lower params.min_fps)",
        e.c_str());
    // The detector's own floor decides: a lower min_fps accepts the camera.
    CHECK(load(text + "[detectors.params]\nmin_fps = 5\n").ok());
    // Fast enough normally, too slow in emergency mode (blind when it matters).
    std::string slower = replace(text, "fps = 5", "fps = 12\nfps_emergency = 5");
    STRCMP_CONTAINS(
        "camera \"cam1\" runs at 5 fps in emergency mode; a video_fire detector "
        "needs at least 10 (raise cameras.fps_emergency or lower params.min_fps)",
        only_error(slower).c_str());
}

// An evidence image is stored base64: 1024 KB is ~1.37 MB, more than a
// 1 MB evidence lane, and the center got every alarm without its picture.
TEST(Config, AnEvidenceImageTheStoreCannotHoldIsRefused) {
    std::string text = std::string(kBase) + R"(
[store]
evidence_max_mb = 1

[[cameras]]
id = "cam1"
url = "/dev/video0"
fps = 15

[[detectors]]
id = "vfire"
kind = "video_fire"
camera = "cam1"
)";
    CHECK(load(text).ok());  // the default, 150 KB
    STRCMP_EQUAL(
        "cfg.toml:38: detectors[vfire].params.evidence_max_kb: 1024 KB is about 1.33724 MB as "
        "stored (base64), more than [store] evidence_max_mb = 1: no image would ever be stored; "
        "lower it, or raise evidence_max_mb",
        only_error(text + "[detectors.params]\nevidence_max_kb = 1024\n").c_str());
    CHECK(load(replace(text, "evidence_max_mb = 1", "evidence_max_mb = 2") +
               "[detectors.params]\nevidence_max_kb = 1024\n")
              .ok());
}

// toml++ gives no double for an integer beyond 2^53, and the reader took
// the default instead: scale = 9007199254740993 was read as 1, silently.
TEST(Config, AnIntegerTooLargeForADoubleIsNoDefault) {
    std::string e =
        only_error(replace(kBase, "unit = \"cm\"", "unit = \"cm\"\nscale = 9007199254740993"));
    STRCMP_CONTAINS("points[depth].scale: must be between", e.c_str());
}

TEST_GROUP(StartChecks){};

// An unprivileged gatewayd (the packaged unit: its own user, no
// capabilities) can chown() its socket only to a group it is a member of;
// otherwise the start failed with a bare EPERM, and the service restarted
// over and over.
TEST(StartChecks, AControlGroupTheDaemonIsNotAMemberOfIsAConfigError) {
    const gid_t ops = 4242;
    STRCMP_EQUAL("", gw::socket_group_problem("ops", ops, {0, 0, {}}).c_str());
    STRCMP_EQUAL("", gw::socket_group_problem("ops", ops, {1000, ops, {}}).c_str());
    STRCMP_EQUAL("", gw::socket_group_problem("ops", ops, {1000, 1000, {20, ops}}).c_str());
    const std::string why = gw::socket_group_problem("ops", ops, {1000, 1000, {20, 44}});
    STRCMP_CONTAINS("is not a member of group \"ops\"", why.c_str());
    STRCMP_CONTAINS("usermod -aG ops ", why.c_str());
}
