#!/usr/bin/env python3
"""MAE of per-frame counts (JSON lines from `gatewayctl analyze --json`, on
stdin) against a ground-truth CSV (frame,people)."""
import csv, json, sys

truth = {}
with open(sys.argv[1]) as f:
    for row in csv.reader(l for l in f if not l.startswith('#')):
        if row and row[0] != 'frame':
            truth[int(row[0])] = float(row[1])
got = {}
for line in sys.stdin:
    j = json.loads(line)
    if 'count' in j:
        got[j['frame']] = j['count']
missing = [f for f in truth if f not in got]
if missing:
    sys.exit(f"no count for frames {missing}")
errs = [abs(got[f] - truth[f]) for f in sorted(truth)]
for f in sorted(truth):
    print(f"frame {f}: truth {truth[f]:.0f} counted {got[f]:.0f}")
print(f"crowd.mae {sum(errs) / len(errs):.2f} persons ({len(errs)} frames)")
