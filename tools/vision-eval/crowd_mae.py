#!/usr/bin/env python3
"""MAE of per-frame counts (JSON lines from `gatewayctl analyze --json`, on
stdin) against a ground-truth CSV (frame,people), with the worst frames.
A frame whose count is null (detector still learning) counts as missing."""
import csv, json, sys

truth = {}
with open(sys.argv[1]) as f:
    for row in csv.reader(l for l in f if not l.startswith('#')):
        if row and row[0] != 'frame':
            truth[int(row[0])] = float(row[1])
got = {}
for line in sys.stdin:
    j = json.loads(line)
    if j.get('count') is not None:
        got[j['frame']] = j['count']
missing = [f for f in truth if f not in got]
if missing:
    sys.exit(f"no count for frames {missing}")
errs = {f: abs(got[f] - truth[f]) for f in truth}
for f in sorted(truth):
    print(f"frame {f}: truth {truth[f]:.0f} counted {got[f]:.0f}")
worst = sorted(truth, key=lambda f: (-errs[f], f))[:5]
print("worst: " + ", ".join(f"{f} ({got[f]:.0f} for {truth[f]:.0f})" for f in worst))
within1 = sum(1 for e in errs.values() if e <= 1)
print(f"crowd.mae {sum(errs.values()) / len(errs):.2f} persons ({len(errs)} frames, "
      f"{within1} within 1)")
