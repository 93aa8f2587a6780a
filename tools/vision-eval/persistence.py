#!/usr/bin/python3
"""Would another persistence rule pass the fire robustness matrix? Replays
the frames the video fire detector flagged (the matrix's traces,
`gw-eval-vision-fire DIR --trace FILE`) through a persistence window of
--persist-s seconds that must show flames in --persist-frac of its frames,
and, with --spot PX, only when flames stay in one place: a grid of PX x PX
pixel cells of the clip's frame, each scoring region's box marking the
cells it touches (and --margin cells around them, for a flame that sways).
Prints the detector's own rule (the defaults, anywhere in the frame) beside
the replayed one, and with --cells every cell whose result differs.

usage: persistence.py TRACE... [--persist-s S] [--persist-frac F]
                      [--spot PX [--margin N]] [--cells]
"""
import argparse
import signal

import trace_lines


SCORE_MIN = 0.5  # the detector's score_min


def spots_in(frame, spot, margin):
    """The grid cells of the regions of a frame the detector flagged. The
    trace rounds region scores to 0.01, so a region at 0.495-0.5 counts too."""
    places = set()
    for r in frame["details"] if frame["fire"] else []:
        if r["score"] < SCORE_MIN:
            continue
        for gy in range(r["y"] // spot - margin, (r["y"] + r["h"] - 1) // spot + margin + 1):
            for gx in range(r["x"] // spot - margin, (r["x"] + r["w"] - 1) // spot + margin + 1):
                places.add((gx, gy))
    return places


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--persist-s", type=float, default=trace_lines.PERSIST_S)
    ap.add_argument("--persist-frac", type=float, default=trace_lines.PERSIST_FRAC)
    ap.add_argument("--spot", type=int, default=0,
                    help="flames must persist in one PX x PX cell (default 0: anywhere)")
    ap.add_argument("--margin", type=int, default=0, help="cells marked around a region")
    ap.add_argument("--cells", action="store_true", help="list the cells whose result differs")
    args = ap.parse_args()
    if args.persist_s <= 0 or not 0 < args.persist_frac <= 1 or args.spot < 0 or args.margin < 0:
        ap.error("--persist-s must be > 0, --persist-frac in (0, 1], --spot and --margin >= 0")
    cells = trace_lines.cells(args.traces)

    def detector(cell, frames):
        return trace_lines.anywhere([f["fire"] for f in frames])

    def replayed(cell, frames):
        if not args.spot:
            return detector(cell, frames)
        return [spots_in(f, args.spot, args.margin) for f in frames]

    where = f"in one {args.spot} px cell (margin {args.margin})" if args.spot else "anywhere"
    rules = [("the detector (its defaults)", detector, {}),
             (f"{args.persist_s:g} s, {args.persist_frac:.0%}, {where}", replayed,
              {"persist_s": args.persist_s, "persist_frac": args.persist_frac})]
    print("| persistence | fire cells <= 2 s | distractor cells clean |")
    print("| --- | --- | --- |")
    texts = []
    for name, spots_of, persistence in rules:
        (ok, fires, clean, others), _, text = trace_lines.tally(cells, spots_of, **persistence)
        print(f"| {name} | {ok} / {fires} | {clean} / {others} |")
        texts.append(text)
    if args.cells:
        changed = [f"{clip} / {variant}: {texts[0][(clip, variant)]} -> {texts[1][(clip, variant)]}"
                   for clip, variant in cells if texts[0][(clip, variant)] != texts[1][(clip, variant)]]
        print("\ncells that differ:\n" + ("\n".join(changed) if changed else "none"))


if __name__ == "__main__":
    main()
