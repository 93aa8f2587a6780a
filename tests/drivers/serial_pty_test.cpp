// Serial line sensors on a real pty: the driver opens the pty's slave side
// as its tty; the test writes a sensor's bytes, garbage included, to the master.
#include "serial/serial_port.hpp"

#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "collector.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

using namespace gw;
using namespace gw::test;
using gw::serial::SerialPort;

namespace {

struct Pty {
    int master = -1;
    int slave = -1;
    std::string name;
    Pty() {
        char buf[128];
        if (openpty(&master, &slave, buf, nullptr, nullptr) == 0) name = buf;
    }
    ~Pty() {
        if (master >= 0) ::close(master);
        if (slave >= 0) ::close(slave);
    }
    void send(const std::string& bytes) const {
        CHECK_EQUAL(static_cast<ssize_t>(bytes.size()),
                    ::write(master, bytes.data(), bytes.size()));
    }
};

// A device path that is a symlink to a pty: hang_up_and_swap() closes the
// pty's master (the device hangs up) and points the path at a fresh one,
// as an adapter that drops off the bus and comes back does.
struct SwappedPty {
    TempDir dir;
    std::string device = dir.file("tty");
    std::unique_ptr<Pty> pty;
    SwappedPty() { swap(); }
    void hang_up_and_swap() {
        pty.reset();
        swap();
    }

  private:
    void swap() {
        pty = std::make_unique<Pty>();
        const std::string tmp = device + ".new";
        CHECK_EQUAL(0, ::symlink(pty->name.c_str(), tmp.c_str()));
        CHECK_EQUAL(0, ::rename(tmp.c_str(), device.c_str()));
    }
};

PointConfig field_point(const std::string& id, const std::string& port, const std::string& field) {
    PointConfig p;
    p.id = id;
    p.device = port;
    p.field = field;
    return p;
}

SerialPortConfig port_config(const std::string& device, const std::string& framing,
                             const std::string& pattern) {
    SerialPortConfig c;
    c.id = "smoke-co";
    c.device = device;
    c.baud = 9600;
    c.framing = framing;
    c.pattern = pattern;
    c.max_line = 64;
    return c;
}

}  // namespace

TEST_GROUP(SerialPty){};

// With parity set, the tty checks it: a bad byte reads as a NUL, and its line
// is garbage. Without INPCK the parity bit was only stripped, and a byte
// with an error read as good data.
TEST(SerialPty, ParityIsCheckedNotOnlyStripped) {
    Pty pty;
    CHECK_FALSE(pty.name.empty());
    auto cfg = port_config(pty.name, "line", "(?<x>.*)");
    for (char parity : {'E', 'O', 'N'}) {
        cfg.parity = parity;
        auto tty = gw::serial::open_tty(cfg);
        CHECK_TEXT(tty.ok(), tty.ok() ? "" : tty.error().c_str());
        termios tio{};
        CHECK(tcgetattr(tty->get(), &tio) == 0);
        CHECK_EQUAL(parity != 'N', (tio.c_iflag & INPCK) != 0);
        // (PARENB is not read back: a pty keeps CS8 and no parity in c_cflag.)
        CHECK_EQUAL(0u, tio.c_iflag & (IGNPAR | PARMRK | ISTRIP));
    }
    // What a checked error reads as: a NUL in the line, counted as garbage.
    gw::serial::LineFramer framer(gw::serial::Framing::line, 64);
    CHECK(framer.feed(std::string("T=2\0.5\n", 7)).empty());
    LONGS_EQUAL(1, framer.counters().garbage);
}

TEST(SerialPty, GarbageIsCountedAndGoodLinesBecomeSamples) {
    Pty pty;
    CHECK_FALSE(pty.name.empty());
    Collector sink;
    SystemClock clock;
    Log log(LogLevel::error);
    auto co = field_point("co_ppm", "smoke-co", "co");
    co.max = 1000;
    SerialPort port(port_config(pty.name, "line", R"(CO=(?<co>[0-9]+) T=(?<temp>\S+))"),
                    {co, field_point("temp", "smoke-co", "temp")}, sink, clock, log);
    CHECK_TRUE(port.start().ok());
    // Once the line was quiet: until then a first line could be the tail
    // of one sent before the open (LineFramer::resync).
    CHECK_TRUE(wait_until([&] { return port.counters().in_sync; }));
    pty.send("CO=5 T=21.5\r\n");
    pty.send(std::string("\x00\xff\xfe\x01junk\r\n", 11));  // line noise
    pty.send(std::string(500, 'Z') + "\n");                 // over-long
    pty.send("hello world\n");                              // valid line, no match
    pty.send("CO=7 T=2");                                   // split across writes
    CHECK_TRUE(wait_until([&] { return port.counters().framer.bytes >= 536; }));
    pty.send("2.0\nCO=99999 T=1e999\n");
    CHECK_TRUE(wait_until([&] { return port.counters().matched >= 3; }));
    port.stop();
    auto c = port.counters();
    LONGS_EQUAL(1, c.framer.garbage);
    LONGS_EQUAL(1, c.framer.overlong);
    LONGS_EQUAL(1, c.no_match);
    LONGS_EQUAL(1, c.parse_errors);  // 1e999 is not a finite number
    auto temps = sink.of("temp");
    LONGS_EQUAL(2, temps.size());
    DOUBLES_EQUAL(21.5, temps[0].value, 1e-9);
    DOUBLES_EQUAL(22.0, temps[1].value, 1e-9);
    auto cos = sink.of("co_ppm");
    LONGS_EQUAL(3, cos.size());
    CHECK(cos[2].quality == Quality::out_of_range);
}

TEST(SerialPty, NmeaFramingDropsBadChecksums) {
    Pty pty;
    Collector sink;
    SystemClock clock;
    Log log(LogLevel::error);
    SerialPort port(
        port_config(pty.name, "nmea", R"(SMK,(?<smoke>[01]),(?<co>[0-9]+))"),
        {field_point("smoke", "smoke-co", "smoke"), field_point("co", "smoke-co", "co")}, sink,
        clock, log);
    CHECK_TRUE(port.start().ok());
    // Once the line was quiet: until then a first line could be the tail
    // of one sent before the open (LineFramer::resync).
    CHECK_TRUE(wait_until([&] { return port.counters().in_sync; }));
    char good[64];
    std::snprintf(good, sizeof good, "$SMK,1,42*%02X\r\n", serial::nmea_checksum("SMK,1,42"));
    pty.send("$SMK,1,43*00\r\n");  // wrong checksum
    pty.send("SMK,1,44\r\n");      // no framing at all
    pty.send(good);
    CHECK_TRUE(wait_until([&] { return port.counters().matched >= 1; }));
    port.stop();
    auto c = port.counters();
    LONGS_EQUAL(1, c.framer.bad_checksum);
    LONGS_EQUAL(1, c.framer.garbage);
    LONGS_EQUAL(1, sink.of("co").size());
    DOUBLES_EQUAL(42, sink.of("co")[0].value, 0);
    DOUBLES_EQUAL(1, sink.of("smoke")[0].value, 0);
}

TEST(SerialPty, MissingDeviceIsRetriedNotFatalAndBadPatternIsRefused) {
    Collector sink;
    SystemClock clock;
    Log log(LogLevel::error);
    SerialPort missing(port_config("/dev/does-not-exist", "line", "(?<x>.*)"), {}, sink, clock,
                       log);
    CHECK_TRUE(missing.start().ok());
    CHECK_TRUE(wait_until([&] { return missing.counters().open_errors >= 2; }));
    missing.stop();
    SerialPort bad(port_config("/dev/null", "line", "no names"), {}, sink, clock, log);
    CHECK_FALSE(bad.start().ok());
    SerialPort unmapped(port_config("/dev/null", "line", "(?<a>.*)"),
                        {field_point("p", "smoke-co", "b")}, sink, clock, log);
    auto st = unmapped.start();
    CHECK_FALSE(st.ok());
    CHECK(st.error().find("\"b\"") != std::string::npos);
}

TEST(SerialPty, APortThatHangsUpOnEveryOpenIsReopenedWithBackoff) {
    // A tty that opens and hangs up at once (a broken adapter cable): each
    // pty is hung up as soon as the driver has opened it, by closing its
    // master, and the device path is pointed at a fresh one.
    SwappedPty swapped;
    const std::string& device = swapped.device;
    Collector sink;
    SystemClock clock;
    Log log(LogLevel::error);
    SerialPort port(port_config(device, "line", "(?<x>.*)"), {}, sink, clock, log);
    CHECK_TRUE(port.start().ok());
    uint64_t hung_up = 0;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < end) {
        if (port.counters().opens > hung_up) {
            hung_up = port.counters().opens;
            swapped.hang_up_and_swap();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    port.stop();
    const auto c = port.counters();
    // Backoff 0.2, 0.4, 0.8 s: about 4 opens in 2 s; a reset on open made
    // it one per 100 ms, about 18.
    const std::string opens = "opens: " + std::to_string(c.opens);
    CHECK_TEXT(c.opens >= 3 && c.opens <= 6, opens.c_str());
    CHECK_TRUE(c.read_errors >= 2);
    LONGS_EQUAL(0, c.open_errors);
}

// A port that hung up once with nothing read is quiet about its next opens;
// a session after them that read data, and then failed, is news: it was
// counted only.
TEST(SerialPty, AFailureAfterDataIsLoggedAfterAQuietFailure) {
    SwappedPty swapped;
    const std::string& device = swapped.device;
    Collector sink;
    SystemClock clock;
    CapturedLog captured;
    SerialPort port(port_config(device, "line", "(?<x>.*)"), {field_point("x", "smoke-co", "x")},
                    sink, clock, captured.log());
    CHECK_TRUE(port.start().ok());
    auto opened = [&](uint64_t n) {
        return wait_until([&] { return port.counters().opens >= n; }, 5000);
    };
    CHECK_TRUE(opened(1));
    swapped.hang_up_and_swap();  // with nothing read
    CHECK_TRUE(opened(2));
    CHECK_TRUE(wait_until([&] { return port.counters().in_sync; }, 5000));
    swapped.pty->send("1.5\n");
    CHECK_TRUE(wait_until([&] { return !sink.samples().empty(); }, 5000));
    swapped.hang_up_and_swap();  // after a reading
    CHECK_TRUE(opened(3));
    port.stop();
    const std::string text = captured.text();
    LONGS_EQUAL_TEXT(2, captured.count("read failed"), text.c_str());
    LONGS_EQUAL_TEXT(1, captured.count("after_data=1"), text.c_str());
}
