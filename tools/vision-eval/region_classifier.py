#!/usr/bin/python3
"""Would a classifier on the video fire detector's region features pass the
robustness matrix on clips it was not trained on? Reads the matrix's traces
(`gw-eval-vision-fire DIR --trace FILE`), labels every region by its frame
("flames": a fire clip from its first visible flame), and replays the alarms
of three rules through the detector's persistence (an alarm when 75 % of the
frames of the last 1.2 s show flames, the defaults):

- detector: the frames the detector itself flagged (a check that this
  replay matches the matrix's own counts);
- in-sample: a classifier trained on every clip, scoring those same clips
  (what a model fitted on the development clips would report about itself);
- leave-one-clip-out: each clip scored by a classifier trained on the
  other clips only (what it would do on footage it was not tuned on).

Every region of a frame with flames counts as flames (a lit leaf beside
the fire too: the labels are as coarse as the clips' list). A frame shows
flames when one of its regions scores >= --threshold.
Needs Debian's python3-sklearn (tools/setup). Prints a Markdown table and,
with --cells, every failing cell.

usage: region_classifier.py TRACE... [--model lr|rf] [--threshold T]
                            [--feature NAME]... [--cells]
"""
import argparse
import math
import signal
import sys

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import trace_lines

NOT_FEATURES = {"x", "y", "w", "h", "score"}  # the box, and the detector's own verdict


def feature_names(cells, wanted):
    names = sorted({k for frames in cells.values() for f in frames for r in f["details"]
                    for k, v in r.items() if k not in NOT_FEATURES
                    and isinstance(v, (int, float))}) + ["area", "aspect"]
    unknown = [n for n in wanted or [] if n not in names]
    if unknown:
        sys.exit(f"--feature {', '.join(unknown)}: not in these traces (they have "
                 f"{', '.join(names)})")
    return wanted or names


def features(region, names):
    """Size enters as log area and log aspect, so it weighs as a ratio."""
    derived = {"area": math.log1p(region["w"] * region["h"]),
               "aspect": math.log((region["w"] + 1) / (region["h"] + 1))}
    return [derived[n] if n in derived else region[n] for n in names]


def regions(frames, names):
    """Feature rows of every region, their frame's index and label."""
    rows, index, labels = [], [], []
    for i, f in enumerate(frames):
        for r in f["details"]:
            rows.append(features(r, names))
            index.append(i)
            labels.append(f["flames"])
    return np.array(rows).reshape(-1, len(names)), np.array(index, dtype=int), labels


def model(kind):
    if kind == "lr":
        return make_pipeline(StandardScaler(),
                             LogisticRegression(max_iter=2000, class_weight="balanced"))
    return RandomForestClassifier(n_estimators=60, max_depth=6, min_samples_leaf=50,
                                  class_weight="balanced", random_state=1)


def shown_by(classifier, frames, table, threshold):
    """Per frame: does one of its regions score >= threshold?"""
    x, index, _ = table
    best = np.zeros(len(frames))
    if len(x):
        np.maximum.at(best, index, classifier.predict_proba(x)[:, 1])
    return list(best >= threshold)


def train(tables, kind, leave_out=None):
    xs, ys = [], []
    for (clip, _), (x, _, y) in tables.items():
        if clip == leave_out:
            continue
        xs.append(x)
        ys += y
    if len(set(ys)) < 2:
        sys.exit(f"training without {leave_out!r} leaves regions of one kind only: "
                 "the traces need fire clips and distractors")
    return model(kind).fit(np.vstack(xs), ys)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--model", choices=["lr", "rf"], default="lr",
                    help="logistic regression (default) or a random forest")
    ap.add_argument("--threshold", type=float, default=0.5,
                    help="a region at least this likely to be flames counts (default 0.5)")
    ap.add_argument("--feature", action="append", help="only these features (repeatable)")
    ap.add_argument("--cells", action="store_true", help="list the failing cells")
    args = ap.parse_args()
    cells = trace_lines.cells(args.traces)
    names = feature_names(cells, args.feature)
    # Every cell's feature rows, built once for all the trainings and scorings.
    tables = {cell: regions(frames, names) for cell, frames in cells.items()}
    everywhere = train(tables, args.model)
    per_clip = {clip: train(tables, args.model, leave_out=clip)
                for clip in {clip for clip, _ in cells}}
    rules = [
        ("detector", lambda cell, frames: [f["fire"] for f in frames]),
        ("in-sample",
         lambda cell, frames: shown_by(everywhere, frames, tables[cell], args.threshold)),
        ("leave-one-clip-out",
         lambda cell, frames: shown_by(per_clip[cell[0]], frames, tables[cell], args.threshold)),
    ]
    print(f"features: {', '.join(names)}; model {args.model}, threshold {args.threshold}\n")
    print("| rule | fire cells <= 2 s | distractor cells clean |")
    print("| --- | --- | --- |")
    report = []
    for name, shown_of in rules:
        (ok, fires, clean, others), failures, _ = trace_lines.tally(
            cells, lambda cell, frames: trace_lines.anywhere(shown_of(cell, frames)))
        print(f"| {name} | {ok} / {fires} | {clean} / {others} |")
        report += [f"{name}: {f}" for f in failures]
    if args.cells and report:
        print("\nfailing cells:\n" + "\n".join(report))


if __name__ == "__main__":
    main()
