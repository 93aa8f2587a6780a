// `gatewayctl points --watch` in a real terminal (tmux): it redraws, and it
// exits on q and on Ctrl-C, giving the shell its terminal back.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "ctl_fixture.hpp"

#include <CppUTest/TestHarness.h>

using gw::test::eventually;
using gw::test::run;

namespace {

class Tmux {
  public:
    Tmux(const gw::test::TempDir& dir, const std::string& name)
        : socket_(dir.file("tmux.sock")), name_(name) {}
    ~Tmux() { run({"tmux", "-S", socket_, "kill-server"}, 5000); }
    bool start(const std::string& command) {
        return run({"tmux", "-S", socket_, "-f", "/dev/null", "new-session", "-d", "-s", name_,
                    "-x", "120", "-y", "40", "sh"},
                   5000)
                       .code == 0 &&
               keys({command, "Enter"});
    }
    bool keys(std::vector<std::string> keys) {
        keys.insert(keys.begin(), {"tmux", "-S", socket_, "send-keys", "-t", name_});
        return run(keys, 5000).code == 0;
    }
    std::string screen() {
        return run({"tmux", "-S", socket_, "capture-pane", "-p", "-t", name_}, 5000).out;
    }
    bool shows(const std::string& text, int timeout_ms = 15000) {
        return eventually([&] { return screen().find(text) != std::string::npos; }, timeout_ms);
    }

  private:
    std::string socket_;
    std::string name_;
};

}  // namespace

TEST_GROUP(CtlWatch) {
    std::unique_ptr<gw::test::Site> site;
    void setup() override {
        site = std::make_unique<gw::test::Site>();
        site->start_daemon();
    }
    void teardown() override {
        site.reset();
    }
    std::string command() const {
        return gw::test::shell_program(GW_GATEWAYCTL) + " points --watch --interval-ms 200 -s " +
               site->socket() + "; echo WATCH-EXIT=$?";
    }
};

TEST(CtlWatch, RedrawsAndExitsOnQ) {
    Tmux tmux(site->dir(), "watch-q");
    CHECK(tmux.start(command()));
    CHECK_TEXT(tmux.shows("refresh #2"), tmux.screen().c_str());
    CHECK_TEXT(tmux.shows("refresh #4"), tmux.screen().c_str());
    STRCMP_CONTAINS("water_depth", tmux.screen().c_str());
    CHECK(tmux.keys({"q"}));
    CHECK_TEXT(tmux.shows("WATCH-EXIT=0"), tmux.screen().c_str());
    // The alternate screen is gone: the table is no longer on the terminal.
    CHECK(tmux.screen().find("refresh #") == std::string::npos);
    // Echo is back on: typed text shows up at the shell prompt.
    CHECK(tmux.keys({"echo typed-back"}));
    CHECK(tmux.shows("echo typed-back"));
}

TEST(CtlWatch, ExitsOnCtrlC) {
    Tmux tmux(site->dir(), "watch-c");
    CHECK(tmux.start(command()));
    CHECK_TEXT(tmux.shows("refresh #2"), tmux.screen().c_str());
    CHECK(tmux.keys({"C-c"}));
    CHECK_TEXT(tmux.shows("WATCH-EXIT=0"), tmux.screen().c_str());
    CHECK(tmux.screen().find("refresh #") == std::string::npos);
}

// Into a file (a technician logging a site): the refreshes follow one
// another as plain text, without the codes that drive a screen.
TEST(CtlWatch, IntoAFileEachRefreshFollowsAsPlainText) {
    Tmux tmux(site->dir(), "watch-file");
    const std::string out = site->dir().file("watch.txt");
    CHECK(tmux.start(gw::test::shell_program(GW_GATEWAYCTL) +
                     " points --watch --interval-ms 200 -s " + site->socket() + " > " + out +
                     "; echo WATCH-EXIT=$?"));
    CHECK(eventually(
        [&] { return gw::test::read_file(out).find("refresh #3") != std::string::npos; }, 15000));
    CHECK(tmux.keys({"q"}));
    CHECK_TEXT(tmux.shows("WATCH-EXIT=0"), tmux.screen().c_str());
    const std::string text = gw::test::read_file(out);
    STRCMP_CONTAINS("refresh #1", text.c_str());
    STRCMP_CONTAINS("water_depth", text.c_str());
    CHECK_TEXT(text.find('\x1b') == std::string::npos, text.c_str());
}

// With no terminal on stdin (cron, nohup, ssh -n: /dev/null or a closed
// pipe), stdin is readable at its end at once and for ever: the watch
// refreshed thousands of times a second, a control connection each. It
// keeps its interval, and SIGTERM still ends it.
TEST(CtlWatch, StdinAtItsEndKeepsTheInterval) {
    const std::string out = site->dir().file("watch-eof.txt");
    const std::string watch_cmd = gw::test::shell_program(GW_GATEWAYCTL) +
                                  " points --watch --interval-ms 300 -s " + site->socket() + " > " +
                                  out;
    for (const std::string& shell : {"exec " + watch_cmd + " < /dev/null",   // at its end
                                     "exec " + watch_cmd + " < <(true)"}) {  // a closed pipe
        const auto started = std::chrono::steady_clock::now();
        gw::test::Process watch({"/bin/bash", "-c", shell}, site->dir().path(), "watch-eof");
        // Refresh #4, not a fixed sleep: on a loaded CI machine (ASan, two
        // suites at once) three refreshes took longer than 1.5 s.
        CHECK(eventually(
            [&] { return gw::test::read_file(out).find("refresh #4") != std::string::npos; },
            30000));
        watch.signal(SIGTERM);
        const auto ran_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
        auto code = watch.wait(5000);
        CHECK_TEXT(code.has_value(), shell.c_str());
        const std::string text = gw::test::read_file(out);
        size_t refreshes = 0;
        for (size_t at = 0; (at = text.find("refresh #", at)) != std::string::npos; ++at)
            ++refreshes;
        // At most one per 300 ms it ran (and a few to spare); the spin made
        // thousands.
        const size_t most = static_cast<size_t>(ran_ms / 300) + 5;
        CHECK_TEXT(refreshes >= 4 && refreshes <= most,
                   (shell + "\n" + std::to_string(refreshes) + " refreshes in " +
                    std::to_string(ran_ms) + " ms\n" + text.substr(0, 300))
                       .c_str());
    }
}
