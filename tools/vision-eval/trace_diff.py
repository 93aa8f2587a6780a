#!/usr/bin/env python3
"""Where two traces of the fire robustness matrix part (`gw-eval-vision-fire
--trace FILE`), cell by cell: the same matrix on two machines (x86-64 and
the gateway's aarch64 under qemu, docs/vision.md "The matrix on ARM"), or
before and after a change that should not alter any verdict.

usage: trace_diff.py TRACE_A TRACE_B
Prints a Markdown table of the cells whose frames differ: frames that
differ (any feature, region or score), the first of them, the largest score
difference and the frames whose flame flag differs; then the count of
identical cells. Exit code 0 when every cell is identical, 1 when not, 2
on a usage error.
"""
import collections
import signal
import sys

import trace_lines


def cells(path):
    """{(clip, variant): {t_ms: frame}} of one trace."""
    out = collections.defaultdict(dict)
    for _, _, f in trace_lines.frames([path]):
        out[(f["clip"], f["variant"])][f["t_ms"]] = f
    return out


def compare(a, b):
    """(t_ms of the frames that differ, largest score difference, frames
    whose flame flag differs, frames in one trace only) of one cell."""
    differ, flags, max_score = [], 0, 0.0
    for t in sorted(a.keys() & b.keys()):
        x, y = a[t], b[t]
        max_score = max(max_score, abs(x["score"] - y["score"]))
        flags += x["fire"] != y["fire"]
        if x != y:
            differ.append(t)
    unmatched = len(a.keys() ^ b.keys())
    return differ, max_score, flags, unmatched


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    a, b = cells(argv[1]), cells(argv[2])
    same, rows = 0, []
    for cell in sorted(a.keys() | b.keys()):
        if cell not in a or cell not in b:
            rows.append(f"| {cell[0]} / {cell[1]} | only in {argv[1] if cell in a else argv[2]} | | | |")
            continue
        differ, max_score, flags, unmatched = compare(a[cell], b[cell])
        if not differ and not unmatched:
            same += 1
            continue
        frames = f"{len(differ)} / {len(a[cell])}" + (f" (+{unmatched} unmatched)" if unmatched else "")
        first = f"{min(differ) / 1000:.3f} s" if differ else "-"
        rows.append(f"| {cell[0]} / {cell[1]} | {frames} | {first} | {max_score:.3f} | {flags} |")
    if rows:
        print("| cell | frames that differ | first | largest score difference | flame flags that differ |")
        print("| --- | --- | --- | --- | --- |")
        print("\n".join(rows))
    print(f"identical cells: {same} of {len(a.keys() | b.keys())}")
    return 0 if not rows else 1


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main(sys.argv))
