#include "live_set.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace gw::sitesim {

namespace {

const char* table_name(Table t) {
    switch (t) {
        case Table::coil:
            return "coil";
        case Table::discrete_input:
            return "discrete_input";
        case Table::input_register:
            return "input_register";
        case Table::holding_register:
            return "holding_register";
    }
    return "?";
}

}  // namespace

Result<Step> parse_set_command(const std::string& line) {
    const std::string usage = "expected SLAVE,TABLE,ADDRESS,VALUE, got \"" + line + "\"";
    if (std::count(line.begin(), line.end(), ',') != 3 || line.find('#') != std::string::npos)
        return fail(usage);
    // The scenario parser knows the columns and their ranges: one parser for
    // one format, with a time of 0 put in front.
    const std::string where = "set:1: ";
    auto sc = parse_scenario("0," + line, "set");
    if (!sc) {
        const std::string& e = sc.error();
        return fail(e.rfind(where, 0) == 0 ? e.substr(where.size()) : e);
    }
    if (sc->steps.size() != 1) return fail(usage);
    if (sc->steps[0].is_fault) return fail("faults are set with --fault, not here");
    return sc->steps[0];
}

int64_t set_now(Simulator& sim, const Step& step) {
    using namespace std::chrono;
    const int64_t t_us =
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    sim.set_value(step.slave, step.table, step.address, step.value);
    return t_us;
}

SetCommandReader::SetCommandReader(Simulator& sim, int fd, std::FILE* out)
    : sim_(sim), fd_(fd), out_(out), thread_([this] { run(); }) {}

SetCommandReader::~SetCommandReader() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

void SetCommandReader::apply(const std::string& raw) {
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return;
    auto step = parse_set_command(line);
    if (!step) {
        std::fprintf(out_, "error: %s\n", step.error().c_str());
    } else {
        const int64_t t = set_now(sim_, *step);
        std::fprintf(out_, "set %lld %d,%s,%d,%u\n", static_cast<long long>(t), step->slave,
                     table_name(step->table), step->address, static_cast<unsigned>(step->value));
    }
    std::fflush(out_);
}

// poll() with a timeout rather than a blocking read, so the destructor can
// stop the thread while nobody types.
void SetCommandReader::run() {
    std::string pending;
    char buf[512];
    while (!stopping_) {
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, 100);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EOF: the values stay as they are
        pending.append(buf, static_cast<size_t>(n));
        for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
            apply(pending.substr(0, nl));
            pending.erase(0, nl + 1);
        }
    }
    if (!pending.empty() && !stopping_) apply(pending);
}

}  // namespace gw::sitesim
