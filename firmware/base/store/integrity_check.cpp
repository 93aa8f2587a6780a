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
    // damage_ is written before done_ is set, and read only after.
    if (abandoned_ || !done_) return std::nullopt;
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
        if (found && found->damage) damage_ = found->what;
    }
    done_ = true;
}

}  // namespace gw::store
