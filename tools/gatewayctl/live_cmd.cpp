// points [--watch], devices, events: what the gateway sees right now.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "daemon_link.hpp"
#include "options.hpp"
#include "output.hpp"

namespace gw::ctl {
namespace {

using nlohmann::json;

std::string age_text(const json& ms) {
    return ms.is_number() ? human_duration_ms(ms.get<long long>()) : "-";
}

std::string points_table(const json& reply, const Style& st) {
    Table t({"point", "value", "unit", "quality", "age", "device"});
    for (const auto& p : reply["points"]) {
        std::string q = p.value("quality", std::string("none"));
        std::string quality = q == "good" ? st.good(q) : q == "none" ? st.warn(q) : st.bad(q);
        t.add({p.value("id", std::string()),
               // A device that does not answer has no value, whatever number came.
               p["value"].is_number() && q != "comm_fail" ? value_text(p["value"].get<double>())
                                                          : "-",
               p.value("unit", std::string()), quality, age_text(p["age_ms"]),
               p.value("device", std::string())});
    }
    return t.empty() ? "no points configured\n" : t.render();
}

// The terminal in non-canonical, no-echo mode on the alternate screen, with
// SIGINT/SIGTERM taken through a signalfd; all restored on destruction, so
// the shell gets its terminal back however the watch ends. Output that is
// not a terminal (a log file, a pipe) gets no screen codes.
class WatchTerminal {
  public:
    explicit WatchTerminal(bool screen) : screen_(screen) {
        sigemptyset(&signals_);
        sigaddset(&signals_, SIGINT);
        sigaddset(&signals_, SIGTERM);
        sigprocmask(SIG_BLOCK, &signals_, &old_mask_);
        signal_fd_ = signalfd(-1, &signals_, SFD_CLOEXEC);
        tty_ = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0;
        if (tty_) {
            termios raw = saved_;
            raw.c_lflag &= ~(ICANON | ECHO);
            raw.c_cc[VMIN] = 0;
            raw.c_cc[VTIME] = 0;
            tcsetattr(STDIN_FILENO, TCSANOW, &raw);
        }
        if (screen_) std::fputs("\x1b[?1049h\x1b[?25l", stdout);  // alternate screen, no cursor
    }
    ~WatchTerminal() {
        if (screen_) std::fputs("\x1b[?25h\x1b[?1049l", stdout);
        std::fflush(stdout);
        if (tty_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
        if (signal_fd_ >= 0) close(signal_fd_);
        sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    }
    WatchTerminal(const WatchTerminal&) = delete;
    WatchTerminal& operator=(const WatchTerminal&) = delete;

    // Waits ms; true when the user asked to quit (q, Ctrl-C, SIGTERM) or
    // the terminal hung up. Other keys do not cut the wait short. A stdin
    // that is not a terminal (/dev/null, a closed pipe: cron, nohup, ssh -n)
    // is readable at EOF at once and for ever: it is no longer watched,
    // rather than turning the wait into a spin of refreshes.
    bool wait_for_quit(int ms) {
        using Ms = std::chrono::milliseconds;
        const auto deadline = std::chrono::steady_clock::now() + Ms(ms);
        for (;;) {
            const auto left =
                std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd fds[2] = {{stdin_open_ ? STDIN_FILENO : -1, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
            const int got = poll(fds, 2, static_cast<int>(left.count()));
            if (got < 0 && errno != EINTR) return false;
            if (got <= 0) continue;
            if (fds[1].revents) {
                signalfd_siginfo info;
                (void)read(signal_fd_, &info, sizeof info);
                return true;
            }
            if (fds[0].revents && read_keys()) return true;
        }
    }

  private:
    // True on q; stops watching stdin at its end.
    bool read_keys() {
        char buf[64];
        const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) return false;
            if (tty_) return true;  // the terminal hung up
            stdin_open_ = false;
            return false;
        }
        for (ssize_t i = 0; i < n; ++i)
            if (buf[i] == 'q' || buf[i] == 'Q') return true;
        return false;
    }

    bool screen_;
    sigset_t signals_{}, old_mask_{};
    int signal_fd_ = -1;
    bool tty_ = false;
    bool stdin_open_ = true;
    termios saved_{};
};

std::string clock_text() {
    return local_time_text(now_ms(), "%H:%M:%S");
}

int watch_points(const Target& target, int interval_ms) {
    auto socket = socket_of(target);
    if (!socket) return kUsage;
    Target found = target;  // a config that cannot be used is said once
    found.socket = *socket;
    // A daemon that is not there at all is an error; one that goes away
    // while watching is shown on the screen until it is back.
    json first;
    if (int rc = call(found, {{"cmd", "points"}}, first); rc != kOk) return rc;
    Style st(stdout);
    const bool on_screen = isatty(STDOUT_FILENO);
    WatchTerminal term(on_screen);
    for (long refresh = 1;; ++refresh) {
        ControlError why{};
        auto r = ControlClient(*socket).call({{"cmd", "points"}}, &why);
        std::ostringstream screen;
        // On a screen each refresh replaces the last; in a file they follow.
        screen << (on_screen     ? "\x1b[H\x1b[2J"
                   : refresh > 1 ? "\n"
                                 : "")
               << st.bold("gatewayctl points") << "  " << clock_text() << "  refresh #" << refresh
               << "  (q or Ctrl-C to quit)\n\n";
        if (r)
            screen << points_table(*r, st);
        else
            screen << st.bad("gatewayctl: " + r.error()) << "\n";
        std::fputs(screen.str().c_str(), stdout);
        std::fflush(stdout);
        if (term.wait_for_quit(interval_ms)) return kOk;
    }
}

std::string sum_errors(const json& d) {
    uint64_t n = 0;
    bool any = false;
    for (const char* k : {"crc_errors", "protocol_errors", "exceptions", "connection_errors",
                          "open_errors", "read_errors", "parse_errors", "garbage", "overlong",
                          "bad_checksum", "open_failures", "read_failures"}) {
        if (d.contains(k) && d[k].is_number()) {
            n += d[k].get<uint64_t>();
            any = true;
        }
    }
    return any ? std::to_string(n) : "-";
}

std::string field(const json& d, const char* key) {
    if (!d.contains(key)) return "-";
    const json& v = d[key];
    if (v.is_number_float()) return value_text(v.get<double>());
    if (v.is_number()) return std::to_string(v.get<int64_t>());
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

void print_devices(const json& list) {
    Style st(stdout);
    Table t({"device", "kind", "state", "requests", "timeouts", "errors", "latency avg/max ms",
             "frames", "last error"});
    for (const auto& d : list) {
        bool online = d.value("online", d.value("open", false));
        std::string state = online ? st.good("online") : st.bad("offline");
        // A serial port that has seen no line end since it opened: a wrong
        // baud rate, or a sensor that sends no terminator.
        if (online && !d.value("in_sync", true)) state = st.warn("online, no line end yet");
        std::string latency =
            d.contains("latency_avg_ms")
                ? value_text(std::round(d.value("latency_avg_ms", 0.0) * 10) / 10) + "/" +
                      value_text(std::round(d.value("latency_max_ms", 0.0) * 10) / 10)
                : "-";
        t.add({d.value("id", std::string("?")), d.value("kind", std::string("?")), state,
               field(d, "requests"), field(d, "timeouts"), sum_errors(d), latency,
               field(d, "frames_delivered"), d.value("last_error", std::string())});
    }
    std::cout << (t.empty() ? std::string("no devices configured\n") : t.render());
}

// The incident book's word on an active incident: acknowledged (by whom),
// or how often it was re-sent; escalated. Empty when the book does not track it.
std::string ack_state(const json& inc) {
    if (!inc.is_object()) return "";
    std::string s =
        inc["acked_by"].is_string() ? "acked by " + inc["acked_by"].get<std::string>() : "unacked";
    if (inc.value("renotify", 0) > 0) s += ", re-sent " + std::to_string(inc.value("renotify", 0));
    if (inc.value("escalated", false)) s += ", escalated";
    if (!inc.value("confirmed", true)) s += ", not seen since restart";
    return s;
}

void print_events(const json& list, const char* empty, const json* incidents = nullptr) {
    Style st(stdout);
    std::vector<std::string> cols{"time",     "severity", "state",   "type",
                                  "detector", "value",    "message", "id"};
    if (incidents) cols.insert(cols.begin() + 4, "ack");
    Table t(cols);
    for (const auto& e : list) {
        const std::string when = local_time_text(e.value("t_ms", int64_t{0}));
        std::string sev = e.value("severity", std::string());
        bool loud = sev == "alarm" || sev == "critical";
        std::vector<std::string> row{when,
                                     loud               ? st.bad(sev)
                                     : sev == "warning" ? st.warn(sev)
                                                        : sev,
                                     e.value("state", std::string()),
                                     e.value("type", std::string()),
                                     e.value("detector", std::string()),
                                     e.contains("value") && e["value"].is_number()
                                         ? value_text(e["value"].get<double>())
                                         : "-",
                                     e.value("message", std::string()),
                                     e.value("id", std::string())};
        if (incidents) {
            std::string ack;
            for (const auto& inc : *incidents)
                if (inc.value("id", std::string()) == e.value("incident", std::string()))
                    ack = ack_state(inc);
            std::string text = ack.rfind("unacked", 0) == 0 ? st.bad(ack) : ack;
            row.insert(row.begin() + 4, ack.empty() ? "-" : text);
        }
        t.add(row);
    }
    std::cout << (t.empty() ? std::string(empty) + "\n" : t.render());
}

}  // namespace

void add_live_commands(CLI::App& app, Runner& run) {
    auto target = std::make_shared<Target>();

    auto* points = app.add_subcommand("points", "live point values with quality and age");
    add_target_options(points, *target);
    auto watch = std::make_shared<bool>(false);
    auto interval = std::make_shared<int>(1000);
    points->add_flag("-w,--watch", *watch, "redraw until q or Ctrl-C");
    points->add_option("--interval-ms", *interval, "redraw interval with --watch")
        ->check(between(100, 60000))
        ->capture_default_str();
    points->callback([&run, target, watch, interval] {
        run = [target, watch, interval] {
            if (*watch) {
                if (target->json) {
                    std::cerr << "gatewayctl: --watch and --json do not go together\n";
                    return kUsage;
                }
                return watch_points(*target, *interval);
            }
            json reply;
            if (int rc = call(*target, {{"cmd", "points"}}, reply); rc != kOk) return rc;
            if (target->json)
                std::cout << reply["points"].dump(2) << "\n";
            else
                std::cout << points_table(reply, Style(stdout));
            return kOk;
        };
    });

    auto* devices = app.add_subcommand("devices",
                                       "per-device counters: requests, timeouts, "
                                       "errors, latency, frames");
    add_target_options(devices, *target);
    auto device = std::make_shared<std::string>();
    devices->add_option("ID", *device, "only this device");
    devices->callback([&run, target, device] {
        run = [target, device] {
            json req = {{"cmd", "devices"}};
            if (!device->empty()) req["id"] = *device;
            json reply;
            if (int rc = call(*target, req, reply); rc != kOk) return rc;
            if (target->json)
                std::cout << reply["devices"].dump(2) << "\n";
            else
                print_devices(reply["devices"]);
            return kOk;
        };
    });

    auto* events = app.add_subcommand("events", "recent events (and the incidents still active)");
    add_target_options(events, *target);
    auto active = std::make_shared<bool>(false);
    auto limit = std::make_shared<int>(50);
    events->add_flag("-a,--active", *active, "only incidents that are still active");
    events->add_option("-n,--limit", *limit, "how many recent events")
        ->check(between(1, 1000))
        ->capture_default_str();
    events->callback([&run, target, active, limit] {
        run = [target, active, limit] {
            json reply;
            if (int rc = call(*target, {{"cmd", "events"}, {"limit", *limit}}, reply); rc != kOk)
                return rc;
            json list = *active ? reply["active"] : reply["recent"];
            // The incident book's state of each (a daemon without it: none).
            json incidents = json::array();
            if (*active) {
                json book;
                if (call(*target, {{"cmd", "incidents"}}, book) == kOk)
                    incidents = book["incidents"];
                for (auto& e : list)
                    for (const auto& inc : incidents)
                        if (inc.value("id", std::string()) == e.value("incident", std::string()))
                            e["book"] = inc;
            }
            if (target->json)
                std::cout << list.dump(2) << "\n";
            else
                print_events(list, *active ? "no active incidents" : "no recent events",
                             *active ? &incidents : nullptr);
            return kOk;
        };
    });
}

}  // namespace gw::ctl
