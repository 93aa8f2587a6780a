#pragma once
// Serial line sensors: one SerialPort per configured port, each on its own
// thread: termios setup, framing (LineFramer), field extraction (NamedRegex)
// and mapping of fields to points (PointConfig.field). Bad input is counted,
// never fatal; a vanished device is reopened with backoff.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/stop_signal.hpp"
#include "config/device_config.hpp"
#include "config/point_config.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/named_regex.hpp"
#include "core/result.hpp"
#include "core/sinks.hpp"
#include "core/unique_fd.hpp"
#include "line_framer.hpp"

namespace gw::serial {

struct SerialCounters {
    std::string port;
    FramerCounters framer;
    uint64_t matched = 0;       // lines that matched the pattern
    uint64_t no_match = 0;      // valid lines the pattern rejected
    uint64_t parse_errors = 0;  // a mapped field that is not a number
    uint64_t samples = 0;
    uint64_t opens = 0;  // successful opens (1 + reopens)
    uint64_t open_errors = 0;
    uint64_t read_errors = 0;
    bool open = false;
    // Open, and what it reads next starts a line (LineFramer::resync); set
    // by counters() from the framer.
    bool in_sync = false;
    std::string last_error;
};

// Pure: a matched line's fields -> samples of the points mapped to them.
class LineDecoder {
  public:
    LineDecoder(NamedRegex regex, const std::string& port, const std::vector<PointConfig>& points);
    // Updates matched / no_match / parse_errors in `c`.
    std::vector<Sample> decode(const std::string& line, int64_t t_ms, SerialCounters& c) const;

  private:
    NamedRegex regex_;
    std::vector<PointConfig> points_;
};

// Opens the port's tty, non-blocking, and configures it (raw mode, speed,
// 8N1 etc.); input from before the call is discarded.
Result<UniqueFd> open_tty(const SerialPortConfig& cfg);

class SerialPort {
  public:
    SerialPort(SerialPortConfig cfg, const std::vector<PointConfig>& points, SampleSink& sink,
               const Clock& clock, Log& log);
    ~SerialPort();
    SerialPort(const SerialPort&) = delete;
    SerialPort& operator=(const SerialPort&) = delete;

    // Compiles the pattern (fails on a bad one) and starts the reader thread;
    // opening the device happens there, with backoff, so start() never blocks.
    Status start();
    void stop();
    SerialCounters counters() const;
    const std::string& id() const { return cfg_.id; }

  private:
    void run();
    // Reads until the device fails or stop(); true if any byte came in, so
    // the link counts as working only once it has delivered data.
    bool read_until_error(const UniqueFd& tty);

    SerialPortConfig cfg_;
    std::vector<PointConfig> points_;
    SampleSink& sink_;
    const Clock& clock_;
    Log& log_;
    std::unique_ptr<LineDecoder> decoder_;
    LineFramer framer_;
    mutable std::mutex mutex_;
    SerialCounters counters_;
    drivers::StopSignal stop_;
    std::thread thread_;
};

}  // namespace gw::serial
