#pragma once
// Human output for gatewayctl: aligned tables, colours only on a terminal,
// a progress bar on stderr (only on a terminal) for long operations.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace gw::ctl {

class Style {
  public:
    // Colours when `out` is a terminal and NO_COLOR is not set.
    explicit Style(std::FILE* out);
    std::string good(const std::string& s) const { return wrap("32", s); }
    std::string bad(const std::string& s) const { return wrap("31", s); }
    std::string warn(const std::string& s) const { return wrap("33", s); }
    std::string bold(const std::string& s) const { return wrap("1", s); }
    bool enabled() const { return on_; }

  private:
    std::string wrap(const char* code, const std::string& s) const;
    bool on_;
};

class Table {
  public:
    explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // Column widths ignore ANSI colour codes.
    std::string render() const;
    bool empty() const { return rows_.empty(); }

  private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
};

class Progress {
  public:
    Progress(std::string label, long total);
    ~Progress();
    void update(long done);

  private:
    std::string label_;
    long total_;
    bool tty_;
    int last_pct_ = -1;
};

// A reading as a technician compares it with a device's display: ten
// significant digits, so a meter at 1234567.8 kWh reads so and not
// 1.23457e+06, while a scaled 12.3 (123 x 0.1, not exact in binary) reads 12.3.
std::string value_text(double v);

// "3.2 s", "4 min", "2 h 5 min": ages and durations for humans.
std::string human_duration_ms(long long ms);

// A wall time (UTC ms) in the local time zone, as strftime's `format` words it.
std::string local_time_text(int64_t t_ms, const char* format = "%Y-%m-%d %H:%M:%S");
// Now, in UTC ms, from the gateway's one clock.
int64_t now_ms();

}  // namespace gw::ctl
