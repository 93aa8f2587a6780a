#include "integrity_check.hpp"

#include "sqlite.hpp"

namespace gw::store {

IntegrityCheck::IntegrityCheck(const std::string& path) : thread_([this, path] { run(path); }) {}

IntegrityCheck::~IntegrityCheck() {
    abandon();
}

std::optional<std::string> IntegrityCheck::damage() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return damage_;
}

void IntegrityCheck::abandon() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        abandoned_ = true;
        // Under the lock: run() clears running_ under it before the
        // connection closes, and interrupting a closed one is undefined.
        if (running_) sqlite3_interrupt(running_);
    }
    if (thread_.joinable()) thread_.join();
}

void IntegrityCheck::run(const std::string& path) {
    auto db = sqlite::Db::open(path, true);
    std::optional<sqlite::CheckFinding> found;
    if (db) {
        bool started = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            started = !abandoned_;
            if (started) running_ = db->get();
        }
        // An interrupted check fails with SQLITE_INTERRUPT: no damage.
        if (started) found = sqlite::quick_check(*db);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    running_ = nullptr;
    if (found && found->damage && !abandoned_) damage_ = found->what;
    done_ = true;
}

}  // namespace gw::store
