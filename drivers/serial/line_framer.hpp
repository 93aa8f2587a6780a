#pragma once
// Pure byte-stream framing for ASCII line sensors. Bytes go in as they come
// off the wire (any chunking); complete, valid lines come out. Everything
// else is counted and skipped. Memory is bounded by max_line.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gw::serial {

enum class Framing {
    line,  // text up to CR, LF or CRLF
    nmea,  // "$<payload>*hh": hh = XOR of the payload bytes, in hex
};

struct FramerCounters {
    uint64_t bytes = 0;
    uint64_t lines = 0;         // valid lines delivered
    uint64_t overlong = 0;      // lines longer than max_line (dropped whole)
    uint64_t garbage = 0;       // lines with control bytes or not UTF-8, or no '$' (nmea)
    uint64_t bad_checksum = 0;  // nmea lines whose checksum is missing or wrong
    uint64_t partial = 0;       // a line cut short: at reset(), or its tail after resync()
    uint64_t empty = 0;         // blank lines (not an error; counted for diagnostics)
};

class LineFramer {
  public:
    LineFramer(Framing framing, size_t max_line);
    // Returns the valid lines completed by `bytes`: for nmea the payload
    // between '$' and '*', for line the text without its terminator.
    std::vector<std::string> feed(std::string_view bytes);
    // Drops an unterminated tail (e.g. the port was reopened mid-line).
    void reset();
    // The port was (re)opened: what comes may be the tail of a line the
    // sensor was sending (the bytes before were flushed), and "1.25" would
    // read "25". Up to the first line end it is a partial line, unless the
    // line is idle() first.
    void resync();
    // The line has been quiet for a while: if nothing came since resync(),
    // the next byte starts a line, and a sensor that reports on change
    // keeps its first line.
    void idle();
    // What comes next starts a line.
    bool in_sync() const { return !resyncing_; }
    const FramerCounters& counters() const { return counters_; }

  private:
    void finish_line(std::vector<std::string>& out);
    bool nmea_payload(const std::string& line, std::string& payload);

    Framing framing_;
    size_t max_line_;
    std::string buf_;
    bool overflowed_ = false;  // dropping until the next terminator
    bool dirty_ = false;       // the line holds a byte that makes it garbage
    bool eight_bit_ = false;   // ... or bytes >= 0x80, garbage unless it is UTF-8
    bool resyncing_ = false;   // see resync()
    FramerCounters counters_;
};

// "XX" of an nmea line: XOR of every payload byte.
uint8_t nmea_checksum(std::string_view payload);

}  // namespace gw::serial
