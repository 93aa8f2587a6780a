"""tools/demo --fast on this build's binaries (--bin-dir): the whole district
site end to end through the same code a user runs. Checks the summary the demo
prints and the files it writes: every scenario raised its incident, the
rising water went warning -> alarm -> clear, 0 lost, the store drained, the
center's ack and mode commands were answered ok and took effect (an acked_by
update, a mode_changed to emergency), the report and the evidence images are
where the summary says.

    demo_test.py --bin-dir BUILD_DIR
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin-dir", required=True)
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="demo-test.")
    out = os.path.join(tmp, "out")
    problems = []
    try:
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools/demo"), "--fast",
                            "--bin-dir", args.bin_dir, "--out", out, "--settle", "240"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           stdin=subprocess.DEVNULL, timeout=1500)
        print(r.stdout)
        if r.returncode != 0:
            problems.append("tools/demo exited %d" % r.returncode)
        lost_lines = re.findall(r"^lost: (\d+)$", r.stdout, re.M)
        if lost_lines != ["0"]:
            problems.append("expected one line 'lost: 0', got %s" % lost_lines)
        with open(os.path.join(out, "demo-summary.json")) as f:
            s = json.load(f)
        for scene in s["scenes"]:
            if not scene["raised"]:
                problems.append("%s: no %s incident at the center" % (scene["scene"],
                                                                       scene["type"]))
        water = next(x for x in s["scenes"] if x["type"] == "water_depth")["path"]
        for step in ("warning", "alarm", "clear"):
            if step not in water:
                problems.append("rising water never reached %s: %s" % (step, water))
        rain = next(x for x in s["scenes"] if x["type"] == "rain_intensity")["path"]
        if "alarm" not in rain:
            problems.append("the rainstorm never reached orange (alarm): %s" % rain)
        if s["lost"] != 0 or s["missing_ids"]:
            problems.append("lost %d: %s" % (s["lost"], s["missing_ids"]))
        if s["events_made"] < 10 or s["events_delivered"] != s["events_made"]:
            problems.append("events made %d, delivered %d" % (s["events_made"],
                                                               s["events_delivered"]))
        if s["store_rows_at_end"] != 0:
            problems.append("the gateway's store still held %d events" % s["store_rows_at_end"])
        if s["gatewayd_exit"] != 0:
            problems.append("gatewayd exited %d on SIGTERM" % s["gatewayd_exit"])
        if not s["commands"]:
            problems.append("the center sent no ack or mode command")
        for c in s["commands"]:
            if c["outcome"] != "ok":
                problems.append("command %s -> %s: %s" % (c["name"], c["gateway"], c["outcome"]))
        if s["acked"] < 1:
            problems.append("no incident was acknowledged at the gateway (no acked_by update)")
        if "emergency" not in s["modes"]:
            problems.append("the gateway never announced emergency mode: %s" % s["modes"])
        with open(os.path.join(out, "summary.json")) as f:
            center = json.load(f)
        images = [e["path"] for i in center["incidents"] for e in i["evidence"]]
        if not images:
            problems.append("no evidence image saved")
        for rel in images:
            with open(os.path.join(out, rel), "rb") as f:
                if f.read(2) != b"\xff\xd8":
                    problems.append("%s is not a JPEG" % rel)
        with open(os.path.join(out, "report.html")) as f:
            html = f.read()
        if "Verification" not in html or "lost: 0" not in html:
            problems.append("the report has no verification box saying lost: 0")
    except (OSError, ValueError, KeyError, StopIteration, subprocess.TimeoutExpired) as e:
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for problem in problems:
        print("FAIL: " + problem)
    print("demo test: %s" % ("FAILED" if problems else "passed"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
