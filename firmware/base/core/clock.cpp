#include "clock.hpp"

#include <sys/timex.h>

#include <chrono>

namespace gw {

int64_t SystemClock::now_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t SystemClock::mono_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int64_t SystemClock::mono_us() const {
    using namespace std::chrono;
    return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

bool SystemClock::synced() const {
    // adjtimex reports TIME_ERROR while the kernel's clock is not disciplined
    // by NTP (chrony, systemd-timesyncd): exactly "unsynced" for the center.
    // A refused call (-1: a seccomp filter such as systemd's ProtectClock=,
    // which blocks even this read) tells nothing, so it is not "synced".
    struct timex tx {};
    const int state = adjtimex(&tx);
    return state != -1 && state != TIME_ERROR;
}

}  // namespace gw
