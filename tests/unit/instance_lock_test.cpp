// The lock that keeps a second gatewayd off a store or socket: held until
// its owner goes, refused to a second taker with the holder's pid, and never
// a reason not to start when its file cannot be made.
#include "core/instance_lock.hpp"

#include <unistd.h>

#include <optional>
#include <string>

#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

TEST_GROUP(InstanceLock) {
    gw::test::TempDir dir;
};

TEST(InstanceLock, ASecondTakerIsToldWhoHoldsItUntilItIsLetGo) {
    const std::string store = dir.file("store.db");
    std::optional<gw::InstanceLock> first;
    {
        auto taken = gw::InstanceLock::take(store);
        CHECK_TEXT(taken.ok(), taken.ok() ? "" : taken.error().c_str());
        CHECK(taken->held());
        first = std::move(*taken);
    }
    // flock locks belong to an open file: a second open in this very
    // process is refused as another daemon's would be.
    auto second = gw::InstanceLock::take(store);
    CHECK_FALSE(second.ok());
    STRCMP_CONTAINS(
        ("another gatewayd (pid " + std::to_string(getpid()) + ") is running on " + store).c_str(),
        second.error().c_str());
    first.reset();
    auto third = gw::InstanceLock::take(store);
    CHECK(third.ok());
    CHECK(third->held());
}

TEST(InstanceLock, ALockFileThatCannotBeMadeIsAWarningNotARefusal) {
    auto taken = gw::InstanceLock::take(dir.file("no-such-folder/store.db"));
    CHECK(taken.ok());
    CHECK_FALSE(taken->held());
    STRCMP_CONTAINS("not made (No such file or directory)", taken->warning().c_str());
}
