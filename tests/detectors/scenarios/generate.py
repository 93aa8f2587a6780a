#!/usr/bin/env python3
"""Generates the detector evaluation scenarios in this directory.

Each scenario is NAME.csv (t_ms,point,value[,quality]) and NAME.expected.csv
(t_ms,detector,type,severity,max_latency_s), where t_ms is when the
condition truly began in the simulation. Deterministic (seeded), so the
committed files are reproducible:  python3 generate.py
Points are written when they move by more than a deadband and otherwise at a
periodic refresh (10 s for the lift, 60 s for flood and fire sensors, well
inside the detectors' silence limits), like a driver reporting on change;
this keeps the files small.
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


class Trace:
    def __init__(self, name, refresh_ms=10_000, deadband=None):
        self.name, self.refresh_ms = name, refresh_ms
        self.deadband = deadband or {}
        self.rows, self.expected = [], []
        self.last = {}  # point -> (value, quality, t)

    def put(self, t, point, value, quality="good"):
        value = round(value, 2)
        prev = self.last.get(point)
        band = self.deadband.get(point, 0)
        if prev and abs(prev[0] - value) <= band and prev[1] == quality \
                and t - prev[2] < self.refresh_ms:
            return
        self.last[point] = (value, quality, t)
        self.rows.append(f"{t},{point},{value:g},{quality}")

    def expect(self, t, detector, type_, severity, max_latency_s):
        self.expected.append(f"{t},{detector},{type_},{severity},{max_latency_s}")

    def write(self):
        family = os.path.join(HERE, self.name.split("_")[0])  # flood/, fire/, lift/
        with open(os.path.join(family, self.name + ".csv"), "w") as f:
            f.write("t_ms,point,value,quality\n" + "\n".join(self.rows) + "\n")
        with open(os.path.join(family, self.name + ".expected.csv"), "w") as f:
            f.write("t_ms,detector,type,severity,max_latency_s\n")
            f.write("".join(e + "\n" for e in self.expected))


# --- flood: depth in cm, rain counter in tips of 0.5 mm (uint16, wraps) -----
def flood(name, hours, depth_at, tips_per_min_at, seed, quality_at=None):
    rng = random.Random(seed)
    tr = Trace(name, refresh_ms=60_000, deadband={"water_depth": 0.8})
    count, carry = 65_400, 0.0
    for t in range(0, int(hours * 3_600_000) + 1, 10_000):
        carry += tips_per_min_at(t) / 6
        while carry >= 1:
            carry -= 1
            count = (count + 1) % 65_536
        depth = max(0.0, depth_at(t) + rng.gauss(0, 0.5))
        q = quality_at(t) if quality_at else "good"
        if q is not None:
            tr.put(t, "water_depth", depth if q == "good" else 0, q)
        tr.put(t, "rain_count", count)
    return tr


def flood_storm():
    # Heavy rain 09:10-10:10 at 1.5 tips/min = 45 mm/h, then 3 tips/min = 90 mm/h;
    # water rises from 20 min at 1.2 cm/min to 55 cm, then drains.
    rain = lambda t: 0 if t < 600_000 else (1.5 if t < 2_400_000 else (3 if t < 4_800_000 else 0))
    def depth(t):
        m = t / 60_000
        if m < 20: return 1
        if m < 66: return 1 + (m - 20) * 1.2
        return max(1, 56 - (m - 66) * 0.8)
    tr = flood("flood_storm", 2.5, depth, rain, 1)
    tr.expect(1_200_000, "flood-1", "water_rising", "alarm", 600)
    tr.expect(int((20 + 14 / 1.2) * 60_000), "flood-1", "water_depth", "critical", 60)
    # 35 mm in the trailing hour: 0.75 mm/min from minute 10 gives 22.5 mm by
    # minute 40, then 1.5 mm/min: 35 mm at minute 48.3. The trailing hour peaks
    # at 75 mm (minute 80): the yellow (warning) band, not orange.
    tr.expect(2_900_000, "flood-1", "rain_intensity", "warning", 120)
    tr.expect(2_900_000, "rain-1", "rain_intensity", "warning", 120)  # the rain gauge alone
    tr.write()


def flood_gauge_faults():
    def q(t):
        if 1_800_000 <= t < 2_700_000: return None  # gauge silent for 15 min
        return "good"
    tr = flood("flood_gauge_silent", 1, lambda t: 3, lambda t: 0, 2, q)
    tr.expect(1_800_000, "flood-1", "sensor_silent", "warning", 310)
    tr.write()
    tr = flood("flood_gauge_out_of_range", 1,
               lambda t: 6553 if 1_200_000 <= t < 1_800_000 else 3, lambda t: 0, 3)
    tr.expect(1_200_000, "flood-1", "sensor_out_of_range", "warning", 30)
    tr.write()


def flood_normal():
    tr = flood("flood_normal_drizzle", 4, lambda t: 4 + 4 * math.sin(t / 7_200_000),
               lambda t: 0.2 * (1 + math.sin(t / 3_600_000)), 4)
    tr.write()


# --- fire: temperature C, smoke 0/1, CO ppm, residual current mA -----------
def fire(name, minutes, site_at, seed, step_ms=5_000):
    rng = random.Random(seed)
    tr = Trace(name, refresh_ms=60_000,
               deadband={"room_temp": 0.6, "co_ppm": 4, "residual_current": 25})
    for t in range(0, minutes * 60_000 + 1, step_ms):
        s = site_at(t)
        tr.put(t, "room_temp", s.get("temp", 23) + rng.gauss(0, 0.2))
        tr.put(t, "smoke", s.get("smoke", 0))
        tr.put(t, "co_ppm", max(0, round(s.get("co", 2) + rng.gauss(0, 1.5))))
        tr.put(t, "residual_current", s.get("rcm", 150) + rng.gauss(0, 8))
    return tr


def fire_scenarios():
    tr = fire("fire_co_400ppm", 40, lambda t: {"co": 400} if t >= 300_000 else {}, 11)
    tr.expect(300_000, "fire-1", "co", "alarm", 15 * 60)
    tr.write()
    tr = fire("fire_co_30ppm_cooking", 150, lambda t: {"co": 30} if 600_000 <= t < 8_400_000 else {}, 12,
              step_ms=10_000)
    tr.write()

    def room(t):
        m = t / 60_000
        if m < 10: return {}
        temp = 23 + (m - 10) * 10  # 10 C/min: a growing fire
        return {"temp": min(temp, 120), "smoke": 1 if m >= 11.5 else 0}
    tr = fire("fire_room", 25, room, 13)
    tr.expect(600_000, "fire-1", "heat_rate_of_rise", "alarm", 70)
    tr.expect(600_000 + int((70 - 23) / 10 * 60_000), "fire-1", "heat_fixed", "alarm", 20)
    tr.expect(690_000, "fire-1", "smoke", "alarm", 15)
    tr.expect(690_000, "fire-1", "fire_confirmed", "critical", 20)
    tr.write()
    # The CO cell fails and its register reads 65535 (a common "no sensor"
    # value) for 10 min: a sensor fault, never a CO alarm.
    tr = fire("fire_co_sensor_fault", 30, lambda t: {"co": 65_535} if 600_000 <= t < 1_200_000 else {}, 16)
    tr.expect(600_000, "fire-1", "sensor_out_of_range", "warning", 15)
    tr.write()
    tr = fire("fire_residual_current", 30, lambda t: {"rcm": 380} if 600_000 <= t < 1_200_000 else {}, 14)
    tr.expect(600_000, "fire-1", "residual_current", "alarm", 15)
    tr.write()
    tr = fire("fire_normal_day", 240, lambda t: {"temp": 23 + 5 * math.sin(t / 14_400_000),
                                                "rcm": 150 + 40 * math.sin(t / 3_600_000)}, 15,
              step_ms=10_000)
    tr.write()


# --- elevator: 2 Hz controller, written on change + every 10 s --------------
class Lift:
    def __init__(self, name, seed):
        self.tr = Trace(name, refresh_ms=20_000, deadband={"lift_speed": 0.04})
        self.rng = random.Random(seed)
        self.t = 0
        self.s = dict(lift_door_open=0, lift_moving=0, lift_in_zone=1, lift_person=0,
                      lift_maintenance=0, lift_floor=1, lift_speed=0)

    def hold(self, ms, **change):
        self.s.update(change)
        end = self.t + ms
        while self.t < end:
            for p, v in self.s.items():
                if p == "lift_speed" and self.s["lift_moving"]:
                    v = max(0, v + self.rng.gauss(0, 0.02))
                self.tr.put(self.t, p, v)
            self.t += 500

    def trip(self, to, person=1):
        self.hold(self.rng.randint(3, 8) * 1000, lift_door_open=1, lift_person=person)
        self.hold(1500, lift_door_open=0)
        floors = abs(to - self.s["lift_floor"])
        self.hold(2500 * floors + 2000, lift_moving=1, lift_in_zone=0, lift_speed=1.0)
        self.hold(1000, lift_moving=0, lift_in_zone=1, lift_speed=0, lift_floor=to)
        self.hold(self.rng.randint(3, 8) * 1000, lift_door_open=1)
        self.hold(1000, lift_door_open=0, lift_person=0)

    def normal(self, minutes):
        end = self.t + minutes * 60_000
        while self.t < end:
            to = self.rng.randint(1, 12)
            if to != self.s["lift_floor"]:
                self.trip(to, person=1 if self.rng.random() < 0.8 else 0)
            self.hold(self.rng.randint(0, 90) * 1000)


def lift_scenarios():
    lf = Lift("lift_entrapment_between_floors", 21)
    lf.normal(5)
    lf.hold(5000, lift_door_open=1, lift_person=1)
    lf.hold(1500, lift_door_open=0)
    lf.hold(2000, lift_moving=1, lift_in_zone=0, lift_speed=1.0)
    stop = lf.t
    lf.hold(120_000, lift_moving=0, lift_speed=0)
    # Entrapment counts from debounced presence: entrapment_s + pir_debounce_s at most.
    lf.tr.expect(stop, "lift-1-faults", "entrapment_between_floors", "critical", 71)
    lf.tr.expect(stop, "lift-1-faults", "stopped_outside_zone", "alarm", 46)
    lf.hold(3000, lift_moving=1, lift_speed=0.3)
    lf.hold(1000, lift_moving=0, lift_speed=0, lift_in_zone=1, lift_floor=4)
    lf.hold(10_000, lift_door_open=1)
    lf.hold(2000, lift_door_open=0, lift_person=0)
    lf.normal(5)
    lf.tr.write()

    lf = Lift("lift_entrapment_at_landing", 22)
    lf.normal(5)
    lf.hold(5000, lift_door_open=1, lift_person=1)
    shut = lf.t
    lf.hold(90_000, lift_door_open=0)
    lf.tr.expect(shut, "lift-1-faults", "entrapment_at_landing", "alarm", 71)
    lf.hold(5000, lift_door_open=1)
    lf.hold(2000, lift_door_open=0, lift_person=0)
    lf.normal(5)
    lf.tr.write()

    lf = Lift("lift_door_open_while_running", 23)
    lf.normal(5)
    lf.hold(1500, lift_door_open=0)
    lf.hold(3000, lift_moving=1, lift_in_zone=0, lift_speed=1.0)
    opened = lf.t
    lf.hold(40_000, lift_door_open=1)
    lf.tr.expect(opened, "lift-1-faults", "door_open_while_running", "critical", 31)
    lf.hold(1000, lift_moving=0, lift_speed=0, lift_in_zone=1, lift_floor=6)
    lf.hold(3000, lift_door_open=0)
    lf.normal(5)
    lf.tr.write()

    lf = Lift("lift_overspeed", 24)
    lf.normal(5)
    lf.hold(1500, lift_door_open=0)
    lf.hold(2000, lift_moving=1, lift_in_zone=0, lift_speed=1.0)
    fast = lf.t
    lf.hold(4000, lift_speed=1.3)
    lf.tr.expect(fast, "lift-1-faults", "overspeed", "critical", 2)
    lf.hold(2000, lift_speed=1.0)
    lf.hold(1000, lift_moving=0, lift_speed=0, lift_in_zone=1, lift_floor=5)
    lf.normal(5)
    lf.tr.write()

    lf = Lift("lift_overtravel_top", 25)
    lf.normal(5)
    lf.trip(12)
    lf.hold(1500, lift_door_open=0)
    lf.hold(2000, lift_moving=1, lift_in_zone=0, lift_speed=0.5)
    over = lf.t
    lf.hold(5000, lift_floor=13, lift_moving=0, lift_speed=0)
    lf.tr.expect(over, "lift-1-faults", "overtravel_top", "critical", 2)
    lf.hold(60_000)  # stays over the top limit, outside the zone
    lf.tr.expect(over, "lift-1-faults", "stopped_outside_zone", "alarm", 46)
    lf.hold(3000, lift_floor=12, lift_in_zone=1)
    lf.normal(5)
    lf.tr.write()

    lf = Lift("lift_door_cycling", 26)
    lf.normal(5)
    fifth = 0
    for i in range(6):
        if i == 4: fifth = lf.t
        lf.hold(3000, lift_door_open=1)
        lf.hold(3000, lift_door_open=0)
    lf.tr.expect(fifth, "lift-1-faults", "door_cycling", "warning", 1)
    lf.hold(70_000)
    lf.normal(5)
    lf.tr.write()

    lf = Lift("lift_maintenance_inspection", 27)
    lf.normal(3)
    lf.hold(5000, lift_maintenance=1, lift_person=1)
    lf.hold(300_000, lift_door_open=0, lift_in_zone=0)  # parked between floors
    lf.hold(5000, lift_moving=1, lift_speed=1.3)
    lf.hold(5000, lift_moving=0, lift_speed=0, lift_in_zone=1)
    lf.hold(5000, lift_maintenance=0, lift_person=0)
    lf.normal(3)
    lf.tr.write()

    lf = Lift("lift_normal_trips", 28)
    lf.normal(60)
    lf.tr.write()


if __name__ == "__main__":
    flood_storm()
    flood_gauge_faults()
    flood_normal()
    fire_scenarios()
    lift_scenarios()
