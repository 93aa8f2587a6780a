// Elevator detector: one trace per fault type (raise within its delay plus
// one sample, then clear), maintenance suppression, PIR debounce, a silent
// input, and hours of normal noisy trips that must raise nothing.
#include <cmath>
#include <string>

#include "detectors/elevator/elevator_settings.hpp"
#include "rig.hpp"

#include <CppUTest/TestHarness.h>

using gw::EventState;
using gw::Severity;
using gw::detectors::ElevatorSettings;
using gw::test::Noise;
using gw::test::Rig;

namespace {
constexpr int64_t kLiftPollMs = 500;      // the lift controller is polled at 2 Hz
constexpr int64_t kLiftClearMs = 10'000;  // elevator_settings.hpp clear_hold_s

struct Car {
    double door = 1, moving = 0, dir = 0, floor = 3, zone = 1, pir = 0, speed = 0, maint = 0;
    double cmd = 0;
    bool with_cmd = false;
    void feed(Rig& rig) const {
        rig.feed("door", door);
        rig.feed("mov", moving);
        rig.feed("dir", dir);
        rig.feed("floor", floor);
        rig.feed("zone", zone);
        rig.feed("pir", pir);
        rig.feed("speed", speed);
        rig.feed("maint", maint);
        if (with_cmd) rig.feed("cmd", cmd);
    }
};

Rig lift(bool with_cmd = false, const std::function<void(ElevatorSettings&)>& tune = {}) {
    std::map<std::string, std::string> in{
        {"door_open", "door"}, {"moving", "mov"}, {"direction", "dir"}, {"floor", "floor"},
        {"in_zone", "zone"},   {"person", "pir"}, {"speed", "speed"},   {"maintenance", "maint"}};
    if (with_cmd) in["door_cmd_close"] = "cmd";
    return Rig("elevator", in, gw::test::settings<ElevatorSettings>(tune));
}

// Holds `car` for `ms` of trace time.
void hold(Rig& rig, const Car& car, int64_t ms) {
    rig.run(rig.now() + ms, kLiftPollMs, [&](int64_t) { car.feed(rig); });
}

// A passenger boards at floor 3, the car leaves and stops between floors 3
// and 4: the car as it stands there.
Car stopped_between_floors(Rig& rig) {
    Car car;
    car.pir = 1;
    hold(rig, car, 20'000);
    car.door = 0;
    hold(rig, car, 2'000);
    car.moving = 1, car.zone = 0, car.speed = 1, car.dir = 1;
    hold(rig, car, 2'000);
    car.moving = 0, car.speed = 0;
    return car;
}

void check_raised(const Rig& rig, const char* type, int64_t from, int64_t delay, Severity sev) {
    auto e = rig.find(type, EventState::raise, from);
    CHECK_TEXT(e.has_value(), (std::string(type) + " not raised:\n" + rig.dump()).c_str());
    CHECK_TEXT(e->t_ms >= from + delay, rig.dump().c_str());
    CHECK_TEXT(e->t_ms <= from + delay + kLiftPollMs, rig.dump().c_str());
    CHECK(e->severity == sev);
}

void check_cleared(const Rig& rig, const char* type, int64_t from) {
    auto e = rig.find(type, EventState::clear, from);
    CHECK_TEXT(e.has_value(), (std::string(type) + " not cleared:\n" + rig.dump()).c_str());
    CHECK_TEXT(e->t_ms <= from + kLiftClearMs + kLiftPollMs, rig.dump().c_str());
}
}  // namespace

TEST_GROUP(ElevatorEntrapment){};

TEST(ElevatorEntrapment, BetweenFloorsRaisesEntrapmentAndStopOutsideZone) {
    Rig rig = lift();
    Car car = stopped_between_floors(rig);
    int64_t stuck = rig.now();
    hold(rig, car, 70'000);
    check_raised(rig, "entrapment_between_floors", stuck, 60'000, Severity::critical);
    check_raised(rig, "stopped_outside_zone", stuck, 45'000, Severity::alarm);
    LONGS_EQUAL(0, rig.count("entrapment_at_landing"));
    car.moving = 1, car.speed = 0.3;  // rescue: creeps to floor 4 and opens
    int64_t rescue = rig.now();
    hold(rig, car, 3'000);
    car.moving = 0, car.speed = 0, car.zone = 1, car.floor = 4, car.door = 1;
    hold(rig, car, 15'000);
    check_cleared(rig, "entrapment_between_floors", rescue);
    check_cleared(rig, "stopped_outside_zone", rescue);
}

TEST(ElevatorEntrapment, AtALandingWhenTheDoorsDoNotOpen) {
    Rig rig = lift();
    Car car;
    car.pir = 1;
    hold(rig, car, 20'000);
    car.door = 0;
    int64_t shut = rig.now();
    hold(rig, car, 65'000);
    check_raised(rig, "entrapment_at_landing", shut, 60'000, Severity::alarm);
    LONGS_EQUAL(0, rig.count("entrapment_between_floors"));
    LONGS_EQUAL(0, rig.count("stopped_outside_zone"));
    car.door = 1;
    int64_t open = rig.now();
    hold(rig, car, 15'000);
    check_cleared(rig, "entrapment_at_landing", open);
}

// A loose contact on the door-zone flag: one bad reading every 20 s. It
// makes the faults that need the zone unknown for a moment, which freezes
// their raise holds. It restarted them, and a passenger trapped between
// floors was never raised (nor was the sensor fault: one reading is no
// fault).
TEST(ElevatorEntrapment, ABadReadingNowAndThenDoesNotRestartTheHold) {
    Rig rig = lift();
    Car car = stopped_between_floors(rig);
    const int64_t stuck = rig.now();
    rig.run(stuck + 70'000, kLiftPollMs, [&](int64_t t) {
        car.feed(rig);
        if ((t - stuck) % 20'000 == 10'000) rig.feed("zone", 0, gw::Quality::out_of_range);
    });
    check_raised(rig, "entrapment_between_floors", stuck, 60'000, Severity::critical);
    check_raised(rig, "stopped_outside_zone", stuck, 45'000, Severity::alarm);
}

TEST(ElevatorEntrapment, PirBlipsInAnEmptyParkedCarAreDebounced) {
    Rig rig = lift();
    Car car;
    car.door = 0;
    hold(rig, car, 10'000);
    for (int i = 0; i < 15; ++i) {  // 15 false blips of 4 s, two minutes apart
        car.pir = 1;
        hold(rig, car, 4'000);
        car.pir = 0;
        hold(rig, car, 116'000);
    }
    LONGS_EQUAL_TEXT(0, rig.events().size(), rig.dump().c_str());
}

TEST_GROUP(ElevatorStop){};

TEST(ElevatorStop, StoppedOutsideTheDoorZoneWithoutPassengers) {
    Rig rig = lift();
    Car car;
    car.door = 0, car.moving = 1, car.zone = 0, car.speed = 1;
    hold(rig, car, 3'000);
    car.moving = 0, car.speed = 0;
    int64_t stop = rig.now();
    hold(rig, car, 50'000);
    check_raised(rig, "stopped_outside_zone", stop, 45'000, Severity::alarm);
    LONGS_EQUAL(0, rig.count("entrapment_between_floors"));
    car.zone = 1;
    int64_t back = rig.now();
    hold(rig, car, 15'000);
    check_cleared(rig, "stopped_outside_zone", back);
}

TEST(ElevatorStop, MaintenanceModeSuppressesAlarms) {
    Rig rig = lift();
    Car car;
    car.maint = 1, car.pir = 1;
    hold(rig, car, 10'000);
    car.door = 0, car.zone = 0;  // technician parks between floors for 10 min
    hold(rig, car, 600'000);
    car.moving = 1, car.speed = 1.3;  // and runs it fast on inspection
    hold(rig, car, 5'000);
    LONGS_EQUAL_TEXT(0, rig.events().size(), rig.dump().c_str());
}

TEST_GROUP(ElevatorDoors){};

TEST(ElevatorDoors, DoorsOpeningDuringARun) {
    Rig rig = lift();
    Car car;
    car.door = 0, car.moving = 1, car.zone = 0, car.speed = 1;
    hold(rig, car, 5'000);
    car.door = 1;
    int64_t open = rig.now();
    hold(rig, car, 35'000);
    check_raised(rig, "door_open_while_running", open, 30'000, Severity::critical);
    LONGS_EQUAL(0, rig.count("moving_with_doors_open"));
    car.door = 0;
    int64_t shut = rig.now();
    hold(rig, car, 15'000);
    check_cleared(rig, "door_open_while_running", shut);
}

TEST(ElevatorDoors, CarStartingOffWithItsDoorsOpen) {
    Rig rig = lift();
    Car car;
    hold(rig, car, 5'000);
    car.moving = 1, car.zone = 0, car.speed = 0.5;
    int64_t off = rig.now();
    hold(rig, car, 35'000);
    check_raised(rig, "moving_with_doors_open", off, 30'000, Severity::critical);
    LONGS_EQUAL(0, rig.count("door_open_while_running"));
    car.moving = 0, car.speed = 0, car.zone = 1;
    int64_t stop = rig.now();
    hold(rig, car, 15'000);
    check_cleared(rig, "moving_with_doors_open", stop);
}

TEST(ElevatorDoors, RepeatedDoorCyclingWithoutMoving) {
    Rig rig = lift();
    Car car;
    car.door = 0;
    hold(rig, car, 5'000);
    int64_t fifth = 0;
    for (int i = 0; i < 5; ++i) {  // a blocked door reopens every 8 s
        fifth = rig.now();
        car.door = 1;
        hold(rig, car, 4'000);
        car.door = 0;
        hold(rig, car, 4'000);
    }
    // The 5th opening within 60 s is the configured door_cycles.
    check_raised(rig, "door_cycling", fifth, 0, Severity::warning);
    hold(rig, car, 70'000);
    // Held while the door opens at half the rate (3 of 5 in the window):
    // it clears once the third opening has left the window.
    auto first = rig.find("door_cycling", EventState::raise);
    check_cleared(rig, "door_cycling", first->t_ms - 32'000 + 16'000 + 60'000);
}

// A door that reopens every 14 s counts 5 and 4 openings in the window by
// turns as the oldest leaves it: it was raised and cleared every cycle for
// as long as the fault lasted. One incident, cleared once it stops.
TEST(ElevatorDoors, ADoorCyclingNearTheCountIsOneIncident) {
    Rig rig = lift();
    Car car;
    car.door = 0;
    hold(rig, car, 5'000);
    for (int i = 0; i < 15; ++i) {
        car.door = 1;
        hold(rig, car, 4'000);
        car.door = 0;
        hold(rig, car, 10'000);
    }
    LONGS_EQUAL_TEXT(1, rig.count("door_cycling"), rig.dump().c_str());
    const int64_t stopped = rig.now();
    hold(rig, car, 90'000);  // its openings leave the window, then the clear hold
    CHECK_TEXT(rig.find("door_cycling", EventState::clear, stopped), rig.dump().c_str());
    LONGS_EQUAL_TEXT(2, rig.count("door_cycling"), rig.dump().c_str());
}

TEST(ElevatorDoors, DoorsFailToCloseOnCommand) {
    Rig rig = lift(true);
    Car car;
    car.with_cmd = true;
    hold(rig, car, 5'000);
    car.cmd = 1;
    int64_t cmd = rig.now();
    hold(rig, car, 35'000);
    check_raised(rig, "door_fail_to_close", cmd, 30'000, Severity::warning);
    car.door = 0;
    int64_t shut = rig.now();
    hold(rig, car, 15'000);
    check_cleared(rig, "door_fail_to_close", shut);
}

TEST(ElevatorDoors, DoorsOpenTooLongWithoutACommandInput) {
    Rig rig = lift();
    Car car;
    int64_t open = rig.now();
    hold(rig, car, 185'000);
    check_raised(rig, "door_fail_to_close", open, 180'000, Severity::warning);
}

TEST_GROUP(ElevatorLimits){};

TEST(ElevatorLimits, OvertravelAtTheTopAndTheBottom) {
    Rig rig = lift(false, [](ElevatorSettings& s) {
        s.min_floor = 1;
        s.max_floor = 10;
    });
    Car car;
    car.door = 0, car.floor = 10;
    hold(rig, car, 5'000);
    car.floor = 11, car.zone = 0;
    int64_t over = rig.now();
    hold(rig, car, 2'000);
    check_raised(rig, "overtravel_top", over, 0, Severity::critical);
    car.floor = 10, car.zone = 1;
    int64_t back = rig.now();
    hold(rig, car, 15'000);
    check_cleared(rig, "overtravel_top", back);
    car.floor = 0, car.zone = 0;
    int64_t under = rig.now();
    hold(rig, car, 2'000);
    check_raised(rig, "overtravel_bottom", under, 0, Severity::critical);
}

TEST(ElevatorLimits, OverspeedAtOneHundredFifteenPercent) {
    Rig rig = lift(false, [](ElevatorSettings& s) { s.rated_speed_m_s = 1.0; });
    Car car;
    car.door = 0, car.moving = 1, car.zone = 0, car.speed = 1.10;
    hold(rig, car, 10'000);
    LONGS_EQUAL(0, rig.count("overspeed"));
    car.speed = 1.20;
    int64_t fast = rig.now();
    hold(rig, car, 2'000);
    check_raised(rig, "overspeed", fast, 0, Severity::critical);
    car.speed = 1.0;
    int64_t ok = rig.now();
    hold(rig, car, 15'000);
    check_cleared(rig, "overspeed", ok);
}

// A signed speed sensor reads a descent as negative: with the default
// range a falling car read out of range, and overspeed was unknown.
TEST(ElevatorLimits, OverspeedGoingDownOnASignedSensor) {
    Rig rig = lift(false, [](ElevatorSettings& s) { s.rated_speed_m_s = 1.0; });
    Car car;
    car.door = 0, car.moving = 1, car.zone = 0, car.dir = -1, car.speed = -1.0;
    hold(rig, car, 10'000);
    LONGS_EQUAL(0, rig.count("overspeed"));
    LONGS_EQUAL_TEXT(0, rig.count("sensor_out_of_range"), rig.dump().c_str());
    car.speed = -4.0;
    int64_t fast = rig.now();
    hold(rig, car, 2'000);
    check_raised(rig, "overspeed", fast, 0, Severity::critical);
}

TEST_GROUP(ElevatorFaults){};

TEST(ElevatorFaults, ASilentDoorSwitchIsASensorFaultNotAnElevatorFault) {
    Rig rig = lift();
    Car car;
    car.door = 0;
    hold(rig, car, 5'000);
    int64_t gone = rig.now();
    rig.run(gone + 70'000, kLiftPollMs, [&](int64_t) {
        rig.feed("mov", 0);
        rig.feed("floor", 3);
        rig.feed("zone", 1);
        rig.feed("pir", 0);
        rig.feed("speed", 0);
        rig.feed("dir", 0);
        rig.feed("maint", 0);
        rig.feed("door", 0, gw::Quality::comm_fail);
    });
    auto e = rig.find("sensor_silent", EventState::raise);
    CHECK_TEXT(e.has_value(), rig.dump().c_str());
    STRCMP_EQUAL("door_open", e->details.at("role").get<std::string>().c_str());
    CHECK(e->t_ms <= gone + 60'000 + kLiftPollMs);
    LONGS_EQUAL_TEXT(1, rig.events().size(), rig.dump().c_str());
}

// A faulty input freezes the faults that need it: a PIR that stops
// answering must not clear an entrapment while the passenger is inside.
TEST(ElevatorFaults, AFaultyPirFreezesAnEntrapmentInsteadOfClearingIt) {
    Rig rig = lift();
    Car car;
    car.pir = 1;
    hold(rig, car, 20'000);
    car.door = 0;
    const int64_t shut = rig.now();
    hold(rig, car, 65'000);
    check_raised(rig, "entrapment_at_landing", shut, 60'000, Severity::alarm);
    rig.run(rig.now() + 150'000, kLiftPollMs, [&](int64_t) {
        rig.feed("door", car.door);
        rig.feed("mov", car.moving);
        rig.feed("floor", car.floor);
        rig.feed("zone", car.zone);
        rig.feed("speed", car.speed);
        rig.feed("dir", car.dir);
        rig.feed("maint", car.maint);
        rig.feed("pir", 0, gw::Quality::comm_fail);  // the PIR's line is down
    });
    CHECK_TEXT(rig.find("sensor_silent", EventState::raise).has_value(), rig.dump().c_str());
    CHECK_FALSE_TEXT(rig.find("entrapment_at_landing", EventState::clear).has_value(),
                     rig.dump().c_str());
    car.door = 1;  // rescued: the doors open, the PIR answers again
    const int64_t open = rig.now();
    hold(rig, car, 15'000);
    check_cleared(rig, "entrapment_at_landing", open);
}

// The controller stops answering while the car re-levels with its doors
// open: the driver sends comm_fail. The last snapshot no longer stands, so
// no fault is raised on it: moving_with_doors_open (critical) was raised
// 28 s after the last reading. The lost link is said as sensor_silent.
TEST(ElevatorFaults, ALostControllerRaisesNoFaultFromItsLastSnapshot) {
    Rig rig = lift();
    Car car;
    car.moving = 1, car.speed = 0.1;  // re-levelling, doors open
    hold(rig, car, 2'000);
    const int64_t lost = rig.now();
    rig.run(lost + 70'000, kLiftPollMs, [&](int64_t) {
        for (const char* p : {"door", "mov", "dir", "floor", "zone", "pir", "speed", "maint"})
            rig.feed(p, 0, gw::Quality::comm_fail);
    });
    CHECK_TEXT(rig.find("sensor_silent", EventState::raise).has_value(), rig.dump().c_str());
    LONGS_EQUAL_TEXT(0, rig.count_not_faults(), rig.dump().c_str());
}

// The link is lost for a minute while a fault's raise hold runs. When it
// is back and the fault is seen again, its hold starts anew: what the car
// did meanwhile is unknown. Frozen without a bound, the hold completed on
// the first snapshot after the link came back.
TEST(ElevatorFaults, ALostLinkEndsARaiseHoldUnderWay) {
    Rig rig = lift();
    Car car;
    car.moving = 1, car.speed = 0.1;  // moving with its doors open
    hold(rig, car, 2'000);
    rig.run(rig.now() + 60'000, kLiftPollMs, [&](int64_t) {
        for (const char* p : {"door", "mov", "dir", "floor", "zone", "pir", "speed", "maint"})
            rig.feed(p, 0, gw::Quality::comm_fail);
    });
    const int64_t back = rig.now();
    hold(rig, car, 35'000);
    check_raised(rig, "moving_with_doors_open", back, 30'000, Severity::critical);
}

TEST(ElevatorLimits, OverspeedGoingDownOnASignedSpeedSensor) {
    Rig rig(
        "elevator", {{"door_open", "door"}, {"moving", "mov"}, {"speed", "speed"}},
        gw::test::settings<ElevatorSettings>([](ElevatorSettings& s) { s.rated_speed_m_s = 1.0; }),
        {{"speed", gw::InputRange{-25.0, 25.0}}});
    rig.run(10'000, kLiftPollMs, [&](int64_t) {
        rig.feed("door", 0);
        rig.feed("mov", 1);
        rig.feed("speed", -1.0);
    });
    LONGS_EQUAL_TEXT(0, rig.events().size(), rig.dump().c_str());
    const int64_t falling = rig.now();
    rig.run(falling + 2'000, kLiftPollMs, [&](int64_t) {
        rig.feed("door", 0);
        rig.feed("mov", 1);
        rig.feed("speed", -2.5);
    });
    check_raised(rig, "overspeed", falling, 0, Severity::critical);
    DOUBLES_EQUAL(2.5, rig.find("overspeed", EventState::raise)->value, 1e-9);
}

TEST_GROUP(ElevatorNormal){};

// Four hours of a busy lift: trips between floors 1-10 with door dwell,
// door reopens, passengers, speed noise, PIR false blips while parked.
TEST(ElevatorNormal, FourHoursOfTripsRaiseNothing) {
    Rig rig = lift();
    Noise noise(99);
    Car car;
    car.floor = 1, car.door = 0;
    const int64_t end = 4 * 3'600'000LL;
    while (rig.now() < end) {
        // Board: doors open, maybe reopen once or twice, passengers in.
        car.door = 1;
        car.pir = noise.uniform(0, 1) < 0.7 ? 1 : 0;
        hold(rig, car, noise.pick(3, 10) * 1000);
        for (int r = noise.pick(0, 2); r > 0; --r) {
            car.door = 0;
            hold(rig, car, 1'500);
            car.door = 1;
            hold(rig, car, 3'000);
        }
        car.door = 0;
        hold(rig, car, 1'500);
        // Run to another floor: leaves the zone, cruises with speed noise, levels.
        int target = noise.pick(1, 10);
        if (target == static_cast<int>(car.floor)) target = target == 10 ? 9 : target + 1;
        car.dir = target > car.floor ? 1 : -1;
        car.moving = 1, car.zone = 0;
        int64_t trip = 2'500LL * std::abs(target - static_cast<int>(car.floor)) + 2'000;
        rig.run(rig.now() + trip, kLiftPollMs, [&](int64_t) {
            car.speed = std::max(0.0, 0.98 + noise(0.03));
            car.feed(rig);
        });
        car.floor = target, car.zone = 1, car.moving = 0, car.speed = 0, car.dir = 0;
        hold(rig, car, 1'000);
        car.door = 1;  // passengers leave
        hold(rig, car, noise.pick(3, 8) * 1000);
        car.pir = 0;
        car.door = 0;
        // Parked, empty, with the odd PIR false blip.
        int64_t idle = noise.pick(0, 120) * 1000;
        rig.run(rig.now() + idle, kLiftPollMs, [&](int64_t) {
            car.pir = noise.uniform(0, 1) < 0.01 ? 1 : 0;
            car.feed(rig);
        });
        car.pir = 0;
    }
    LONGS_EQUAL_TEXT(0, rig.events().size(), rig.dump().c_str());
}
