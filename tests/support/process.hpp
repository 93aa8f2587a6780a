#pragma once
// A child process owned by a test: started with fork/exec, its stdout and
// stderr captured to files, killed (SIGKILL) and reaped if still running when
// the owner goes away, so a failing test never leaves daemons behind.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace gw::test {

class Process {
  public:
    // `out_dir` receives <name>.out and <name>.err.
    Process(std::vector<std::string> argv, const std::string& out_dir, const std::string& name);
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig);
    // Waits up to timeout_ms for exit; returns the exit code (128+signal if killed).
    std::optional<int> wait(int timeout_ms);
    bool running();
    std::string out() const;
    std::string err() const;
    // Polls stderr+stdout until `needle` appears or timeout; true if found.
    bool wait_for_output(const std::string& needle, int timeout_ms) const;

  private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::string out_path_;
    std::string err_path_;
};

struct RunResult {
    int code = -1;
    std::string out;
    std::string err;
};

// Runs a command to completion (killed after timeout_ms) and returns its output.
RunResult run(std::vector<std::string> argv, int timeout_ms = 30000);

// A program this build made, as a shell command word: under a cross build it
// is prefixed with the emulator (a shell cannot exec ARM binaries either).
std::string shell_program(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral
// range so that no client connection can take it before its server binds it.
int free_port();

}  // namespace gw::test
