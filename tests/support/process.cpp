#include "process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "temp_dir.hpp"

namespace gw::test {
namespace {

// A cross build runs its tests under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR).
// The programs this build made are ARM too, and without binfmt_misc the kernel
// cannot exec them, so they are started through the same emulator. Host tools
// (mosquitto, socat) run as they are.
std::vector<std::string> with_emulator(std::vector<std::string> argv) {
#ifdef GW_TEST_EMULATOR
    const std::string built = std::string(GW_BINARY_DIR) + "/";
    if (!argv.empty() && argv[0].rfind(built, 0) == 0) {
        std::istringstream words(GW_TEST_EMULATOR);
        std::vector<std::string> emulator{std::istream_iterator<std::string>(words), {}};
        argv.insert(argv.begin(), emulator.begin(), emulator.end());
    }
#endif
    return argv;
}

}  // namespace

std::string shell_program(const std::string& path) {
    std::string out;
    for (const auto& word : with_emulator({path})) out += (out.empty() ? "" : " ") + word;
    return out;
}

namespace {

// Forks and execs `args`; the child writes to the two files. Returns the
// child's pid once it has exec'd (or failed to), or -1 when it was still
// not past fork after `patience_ms` and was killed. A CLOEXEC pipe tells:
// it closes at the exec. Under qemu-user a child of a multithreaded test
// now and then hangs inside the emulator's fork, before exec (seen: no
// line on its stderr for 20 s, no emulated gatewayd running).
pid_t spawn(const std::vector<char*>& args, const char* out_path, const char* err_path,
            int patience_ms) {
    int exec_pipe[2];
    if (pipe2(exec_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    sigset_t none;
    sigemptyset(&none);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // Only async-signal-safe calls until exec: everything was made before fork.
        // The test runner may block signals (the daemon does); children start clean.
        sigprocmask(SIG_SETMASK, &none, nullptr);
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(exec_pipe[1]);
    pollfd p{exec_pipe[0], POLLIN, 0};
    // Closed (POLLHUP) at the exec. A signal handled by the test process
    // (none today) must not count as a hung child: wait out the rest.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(patience_ms);
    int ready;
    do {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        ready = poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    } while (ready < 0 && errno == EINTR);
    close(exec_pipe[0]);
    if (ready > 0) return pid;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return -1;
}

}  // namespace

Process::Process(std::vector<std::string> argv, const std::string& out_dir, const std::string& name)
    : out_path_(out_dir + "/" + name + ".out"), err_path_(out_dir + "/" + name + ".err") {
    argv = with_emulator(std::move(argv));
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt)
        pid_ = spawn(args, out_path_.c_str(), err_path_.c_str(), 10000);
    if (pid_ <= 0) throw std::runtime_error("the child hung before exec three times: " + name);
}

Process::~Process() {
    if (running()) {
        kill(pid_, SIGKILL);
        wait(5000);
    }
}

void Process::signal(int sig) {
    if (!status_) kill(pid_, sig);
}

std::optional<int> Process::wait(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!status_) {
        int st = 0;
        pid_t r = waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
}

bool Process::running() {
    return !wait(0).has_value();
}

std::string Process::out() const {
    return read_file(out_path_);
}
std::string Process::err() const {
    return read_file(err_path_);
}

bool Process::wait_for_output(const std::string& needle, int timeout_ms) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    do {
        if (err().find(needle) != std::string::npos || out().find(needle) != std::string::npos)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

RunResult run(std::vector<std::string> argv, int timeout_ms) {
    TempDir dir;
    RunResult r;
    {
        Process p(std::move(argv), dir.path(), "run");
        auto code = p.wait(timeout_ms);
        r.code = code ? *code : -1;
        r.out = p.out();
        r.err = p.err();
    }
    return r;
}

namespace {

// The ports the kernel hands out to outgoing connections. A port picked
// from that range can be taken as the local end of some client's connection
// (another test, or the broker's own connections while it boots) before the
// broker binds it; RabbitMQ took 3 s to reach its MQTT listener and failed
// with eaddrinuse in CI.
std::pair<int, int> ephemeral_range() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0, high = 0;
    if (range >> low >> high && low > 0 && high >= low) return {low, high};
    return {32768, 60999};
}

bool bindable(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

}  // namespace

int free_port() {
    // Outside the ephemeral range (below it on a stock kernel, above it if
    // it was moved down), chosen at random so that tests running at the
    // same time rarely try the same one.
    constexpr int kLowest = 10000, kHighest = 65535;
    const auto [low, high] = ephemeral_range();
    const int below = std::max(0, low - kLowest);  // kLowest .. low-1
    const int above_from = std::max(high + 1, kLowest);
    const int above = std::max(0, kHighest + 1 - above_from);  // above_from .. kHighest
    if (below + above < 100)
        throw std::runtime_error("fewer than 100 ports outside the ephemeral range " +
                                 std::to_string(low) + "-" + std::to_string(high) +
                                 " (net.ipv4.ip_local_port_range)");
    static thread_local std::mt19937 pick{std::random_device{}()};
    std::uniform_int_distribution<int> nth(0, below + above - 1);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const int n = nth(pick);
        const int p = n < below ? kLowest + n : above_from + (n - below);
        if (bindable(p)) return p;
    }
    throw std::runtime_error("no free port outside the ephemeral range " + std::to_string(low) +
                             "-" + std::to_string(high));
}

}  // namespace gw::test
