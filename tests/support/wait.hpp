#pragma once
// Polling for state that sends no notification (a counter in a status, a
// file appearing), with a timeout so that a test fails rather than hangs.
#include <chrono>
#include <thread>

namespace gw::test {

// Polls `done` every `poll_ms` until it returns true (then true) or
// `timeout_ms` passed (then false).
template <typename F>
bool wait_for(F done, int timeout_ms, int poll_ms = 20) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    }
    return true;
}

}  // namespace gw::test
