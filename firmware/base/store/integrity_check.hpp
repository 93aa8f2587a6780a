#pragma once
// PRAGMA quick_check of a store file, on a thread and a read-only connection
// of its own. The check reads the whole file: about a minute for a large
// store on a slow card. Meanwhile the daemon's main loop must go on beating,
// ticking the closed loop (re-sends, escalations) and answering signals,
// and the uplink goes on reading the lanes it still can.
#include <atomic>
#include <optional>
#include <string>
#include <thread>

namespace gw::store {

class IntegrityCheck {
  public:
    // Starts the check of the file at `path`.
    explicit IntegrityCheck(const std::string& path);
    // abandon()s a check still running.
    ~IntegrityCheck();
    IntegrityCheck(const IntegrityCheck&) = delete;
    IntegrityCheck& operator=(const IntegrityCheck&) = delete;

    bool done() const { return done_; }
    // Once done(): what the check found damaged. None if it found nothing,
    // was abandoned, or could not run for another reason than damage (the
    // file busy, no memory): no reason to salvage.
    std::optional<std::string> damage() const;
    // Stops the check between two steps of SQLite's (a progress handler:
    // an sqlite3_interrupt could land before the statement starts, which
    // clears it) and waits for its thread, so a stop is not held for the
    // rest of a read of the whole file. It finds nothing after.
    void abandon();

  private:
    void run(const std::string& path);

    std::atomic<bool> abandoned_{false};
    std::optional<std::string> damage_;  // the thread's until done_
    std::atomic<bool> done_{false};
    std::thread thread_;  // last: started once the members above exist
};

}  // namespace gw::store
