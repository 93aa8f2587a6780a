#!/usr/bin/env python3
"""Per-clip percentiles of the video fire detector's region features, from
the traces of the robustness matrix (`gw-eval-vision-fire DIR --trace FILE`,
one JSON object per frame with its regions' features).

A new cue is worth building only if it parts the flames from the regions
that false-alarm: add it to the regions' details, run the matrix with
--trace, and compare its percentiles here on the scoring regions (those
that count as flames) of the fire clips and of the distractors.

usage: trace_features.py TRACE... [--feature NAME]... [--score-min S]
                         [--by-variant]
Prints a Markdown table: feature, clip (and variant), regions, p10/p50/p90.
"""
import argparse
import collections
import signal
import sys

import trace_lines

BOX = {"x", "y", "w", "h"}


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def read(paths, score_min, by_variant):
    """{(clip[, variant]): {feature: [values]}} over regions scoring >= score_min."""
    values = collections.defaultdict(lambda: collections.defaultdict(list))
    for _, _, frame in trace_lines.frames(paths):
        key = (frame["clip"], frame["variant"]) if by_variant else (frame["clip"],)
        for region in frame.get("details") or []:
            if region.get("score", 0) < score_min:
                continue
            for name, v in region.items():
                if name not in BOX and isinstance(v, (int, float)):
                    values[key][name].append(v)
    return values


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--feature", action="append", help="only these features (repeatable)")
    ap.add_argument("--score-min", type=float, default=0.5,
                    help="regions scoring at least this (default 0.5, the detector's score_min)")
    ap.add_argument("--by-variant", action="store_true", help="one row per clip and variant")
    args = ap.parse_args()
    values = read(args.traces, args.score_min, args.by_variant)
    if not values:
        sys.exit("no region scores that high in these traces")
    features = args.feature or sorted({f for per in values.values() for f in per})
    print("| feature | clip | regions | p10 | p50 | p90 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for feature in features:
        for key in sorted(values):
            v = sorted(values[key].get(feature, []))
            if not v:
                continue
            p = [f"{percentile(v, q):.2f}" for q in (0.1, 0.5, 0.9)]
            print(f"| {feature} | {' / '.join(key)} | {len(v)} | {' | '.join(p)} |")


if __name__ == "__main__":
    main()
