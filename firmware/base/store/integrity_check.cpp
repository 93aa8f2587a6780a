#include "integrity_check.hpp"

#include "sqlite.hpp"

namespace gw::store {

namespace {
// SQLite calls it every this many virtual machine steps: a few microseconds.
constexpr int kStepsBetweenLooks = 1000;
}  // namespace

IntegrityCheck::IntegrityCheck(const std::string& path) : thread_([this, path] { run(path); }) {}

IntegrityCheck::~IntegrityCheck() {
    abandon();
}

std::optional<std::string> IntegrityCheck::damage() const {
    if (abandoned_) return std::nullopt;
    std::lock_guard<std::mutex> lock(mutex_);
    return damage_;
}

void IntegrityCheck::abandon() {
    abandoned_ = true;
    if (thread_.joinable()) thread_.join();
}

void IntegrityCheck::run(const std::string& path) {
    auto db = sqlite::Db::open(path, true);
    if (db && !abandoned_) {
        // Non-zero ends the statement (SQLITE_INTERRUPT): no damage.
        sqlite3_progress_handler(
            db->get(), kStepsBetweenLooks,
            [](void* self) -> int { return static_cast<IntegrityCheck*>(self)->abandoned_; }, this);
        auto found = sqlite::quick_check(*db);
        if (found && found->damage) {
            std::lock_guard<std::mutex> lock(mutex_);
            damage_ = found->what;
        }
    }
    done_ = true;
}

}  // namespace gw::store
