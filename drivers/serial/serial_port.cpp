#include "serial_port.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "common/backoff.hpp"
#include "modbus/modbus_plan.hpp"

namespace gw::serial {

LineDecoder::LineDecoder(NamedRegex regex, const std::string& port,
                         const std::vector<PointConfig>& points)
    : regex_(std::move(regex)) {
    for (const auto& p : points)
        if (p.device == port && !p.field.empty()) points_.push_back(p);
}

std::vector<Sample> LineDecoder::decode(const std::string& line, int64_t t_ms,
                                        SerialCounters& c) const {
    std::vector<Sample> out;
    auto fields = regex_.match(line);
    if (!fields) {
        c.no_match++;
        return out;
    }
    c.matched++;
    for (const auto& p : points_) {
        auto it = fields->find(p.field);
        if (it == fields->end()) continue;  // optional group that did not take part
        const std::string& text = it->second;
        char* end = nullptr;
        errno = 0;
        const double raw = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(raw)) {
            c.parse_errors++;
            continue;
        }
        out.push_back(modbus::make_sample(p, raw, t_ms));
    }
    c.samples += out.size();
    return out;
}

namespace {

speed_t speed_of(int baud) {
    switch (baud) {
        case 300:
            return B300;
        case 600:
            return B600;
        case 1200:
            return B1200;
        case 2400:
            return B2400;
        case 4800:
            return B4800;
        case 9600:
            return B9600;
        case 19200:
            return B19200;
        case 38400:
            return B38400;
        case 57600:
            return B57600;
        case 115200:
            return B115200;
        case 230400:
            return B230400;
        case 460800:
            return B460800;
        case 921600:
            return B921600;
        default:
            return B0;
    }
}

}  // namespace

Result<UniqueFd> open_tty(const SerialPortConfig& cfg) {
    const speed_t speed = speed_of(cfg.baud);
    if (speed == B0) return fail("unsupported baud rate " + std::to_string(cfg.baud));
    UniqueFd tty(::open(cfg.device.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!tty) return fail("open " + cfg.device + ": " + std::strerror(errno));
    termios tio{};
    if (tcgetattr(tty.get(), &tio) != 0)
        return fail("tcgetattr " + cfg.device + ": " + std::strerror(errno));
    cfmakeraw(&tio);
    cfsetispeed(&tio, speed);
    cfsetospeed(&tio, speed);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    tio.c_cflag |= cfg.data_bits == 5   ? CS5
                   : cfg.data_bits == 6 ? CS6
                   : cfg.data_bits == 7 ? CS7
                                        : CS8;
    if (cfg.parity != 'N') tio.c_cflag |= PARENB | (cfg.parity == 'O' ? PARODD : 0);
    // PARENB only generates and strips the bit: without INPCK a byte with a
    // parity error was taken as good ("23.5" read "27.5" passed the
    // pattern). Checked, it is read as a NUL, which makes its line garbage;
    // IGNPAR would drop the byte instead ("23.5" read "2.5", good).
    tio.c_iflag &= ~(IGNPAR | PARMRK | INPCK);
    if (cfg.parity != 'N') tio.c_iflag |= INPCK;
    if (cfg.stop_bits == 2) tio.c_cflag |= CSTOPB;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (tcsetattr(tty.get(), TCSANOW, &tio) != 0)
        return fail("tcsetattr " + cfg.device + ": " + std::strerror(errno));
    tcflush(tty.get(), TCIFLUSH);  // bytes from before we listened are of unknown age
    return tty;
}

SerialPort::SerialPort(SerialPortConfig cfg, const std::vector<PointConfig>& points,
                       SampleSink& sink, const Clock& clock, Log& log)
    : cfg_(std::move(cfg)),
      points_(points),
      sink_(sink),
      clock_(clock),
      log_(log),
      framer_(cfg_.framing == "nmea" ? Framing::nmea : Framing::line,
              static_cast<size_t>(cfg_.max_line)) {
    counters_.port = cfg_.id;
}

SerialPort::~SerialPort() {
    stop();
}

Status SerialPort::start() {
    auto re = NamedRegex::compile(cfg_.pattern);
    if (!re) return fail("serial port " + cfg_.id + ": pattern: " + re.error());
    for (const auto& p : points_) {
        if (p.device != cfg_.id) continue;
        bool known = false;
        for (const auto& n : re->names()) known |= n == p.field;
        if (!known)
            return fail("serial port " + cfg_.id + ": point " + p.id + " maps field \"" + p.field +
                        "\" which the pattern does not name");
    }
    decoder_ = std::make_unique<LineDecoder>(std::move(re.value()), cfg_.id, points_);
    stop_.reset();
    thread_ = std::thread([this] { run(); });
    return Status::success();
}

void SerialPort::stop() {
    stop_.stop();
    if (thread_.joinable()) thread_.join();
}

SerialCounters SerialPort::counters() const {
    std::lock_guard<std::mutex> lock(mutex_);
    SerialCounters c = counters_;
    c.in_sync = c.open && framer_.in_sync();
    return c;
}

void SerialPort::run() {
    // The backoff resets on data, not on a successful open: a tty that opens
    // and hangs up at once (a USB adapter with a broken cable, a port whose
    // getty owner hangs it up) would otherwise be reopened every 100 ms.
    drivers::Backoff reopen(200, 10000);
    // Each kind of failure is logged when it starts, not on every retry;
    // the counters keep the rest.
    enum class Last { none, data, empty, open_failed } last = Last::none;
    while (!stop_.stopping()) {
        auto tty = open_tty(cfg_);
        if (!tty) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                counters_.open_errors++;
                counters_.last_error = tty.error();
            }
            if (last != Last::open_failed)
                log_.warn("serial", "cannot open", {{"port", cfg_.id}, {"error", tty.error()}});
            last = Last::open_failed;
            stop_.sleep_for(clock_, reopen.next());
            continue;
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            counters_.opens++;
            counters_.open = true;
            framer_.resync();  // with open: never seen in sync before it
        }
        const bool quiet = last == Last::empty;
        if (!quiet) log_.info("serial", "opened", {{"port", cfg_.id}, {"device", cfg_.device}});
        const bool delivered = read_until_error(tty.value());
        std::string why;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            counters_.open = false;
            framer_.reset();
            counters_.framer = framer_.counters();
            why = counters_.last_error;
        }
        if (stop_.stopping()) break;
        // Quiet opens and failures (a tty that hangs up at once, again and
        // again) are counted, not logged; a session that read data is not
        // one of them, and its end is news.
        if (!quiet || delivered)
            log_.warn("serial", "read failed; reopening",
                      {{"port", cfg_.id}, {"error", why}, {"after_data", delivered}});
        last = delivered ? Last::data : Last::empty;
        if (delivered) reopen.reset();
        stop_.sleep_for(clock_, reopen.next());
    }
}

bool SerialPort::read_until_error(const UniqueFd& tty) {
    char buf[512];
    bool delivered = false;
    while (!stop_.stopping()) {
        pollfd p{tty.get(), POLLIN, 0};
        const int pr = ::poll(&p, 1, 100);
        if (pr == 0) {
            // 100 ms quiet (about 96 characters at 9600 baud) with nothing
            // read since the open: no line was under way.
            std::lock_guard<std::mutex> lock(mutex_);
            framer_.idle();
            continue;
        }
        if (pr < 0 && errno == EINTR) continue;
        // POLLHUP or POLLERR without data: the device is gone (errno is
        // stale here; testing it could spin on an old EAGAIN).
        const bool gone = pr > 0 && !(p.revents & POLLIN);
        ssize_t n = -1;
        if (pr > 0 && !gone) n = ::read(tty.get(), buf, sizeof buf);
        if (n < 0 && !gone && pr > 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) {
            // EOF, EIO (pty peer gone, USB adapter unplugged) or POLLHUP.
            const std::string why =
                n == 0 || gone ? "device closed or unplugged" : std::strerror(errno);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                counters_.read_errors++;
                counters_.last_error = why;
            }
            return delivered;
        }
        delivered = true;
        const int64_t t = clock_.now_ms();
        std::vector<Sample> samples;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (const auto& line : framer_.feed(std::string_view(buf, static_cast<size_t>(n)))) {
                auto s = decoder_->decode(line, t, counters_);
                samples.insert(samples.end(), s.begin(), s.end());
            }
            counters_.framer = framer_.counters();
        }
        if (!samples.empty()) sink_.on_samples(samples);
    }
    return delivered;
}

}  // namespace gw::serial
