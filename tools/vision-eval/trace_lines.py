"""Reading the traces of the fire robustness matrix (`gw-eval-vision-fire
--trace FILE`: one JSON object per frame), shared by the scripts beside it."""
import collections
import json
import sys


def frames(paths):
    """Every frame of the traces in order; a line that is not JSON ends the
    run with its file and line number."""
    for path in paths:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                try:
                    yield path, n, json.loads(line)
                except json.JSONDecodeError as e:
                    sys.exit(f"{path}:{n}: not a trace line ({e})")


def cells(paths):
    """{(clip, variant): [frame]} in trace order; a trace without the
    frames' "flames" labels (an older gw-eval-vision-fire) ends the run."""
    out = {}
    for path, n, frame in frames(paths):
        if "flames" not in frame:
            sys.exit(f"{path}:{n}: no \"flames\" label: trace it again with "
                     "this gw-eval-vision-fire")
        out.setdefault((frame["clip"], frame["variant"]), []).append(frame)
    return out


PERSIST_S, PERSIST_FRAC = 1.2, 0.75  # the detector's defaults
GOAL_S = 2.0  # the matrix's goal: an alarm this soon after the first visible flame


def first_alarm(frames, spots, persist_s=PERSIST_S, persist_frac=PERSIST_FRAC):
    """t_ms of the first alarm, or None. spots[i] is the set of places where
    frame i shows flames ({"any"} for the detector's own rule, which counts a
    frame with flames anywhere): the alarm comes when one place showed flames
    in persist_frac of the frames of the last persist_s, as the detector's
    persistence does once its window is 80 % full."""
    span = 1000 * persist_s
    window, seen = collections.deque(), collections.Counter()
    for f, places in zip(frames, spots):
        t = f["t_ms"]
        window.append((t, places))
        seen.update(places)
        while len(window) > 1 and t - window[0][0] > span:
            seen.subtract(window.popleft()[1])
        full = t - window[0][0] >= 0.8 * span
        if full and seen and max(seen.values()) / len(window) >= persist_frac:
            return t
    return None


def anywhere(shown):
    """The detector's rule: a frame with flames counts wherever they are."""
    return [{"any"} if s else set() for s in shown]


def verdict(frames, spots, **persistence):
    """(is a fire clip, passes, cell text) for one clip and variant."""
    onsets = [f["t_ms"] for f in frames if f["flames"]]
    alarm = first_alarm(frames, spots, **persistence)
    if not onsets:
        return False, alarm is None, "clean" if alarm is None else f"alarm at {alarm / 1000:.1f} s"
    if alarm is None:
        return True, False, "miss"
    after = (alarm - onsets[0]) / 1000
    return True, 0 <= after <= GOAL_S, f"{after:.1f} s"


def tally(cells, spots_of, **persistence):
    """(fire cells passed, fire cells, distractor cells clean, distractor
    cells), the failing cells' texts, and every cell's text by (clip, variant)."""
    counts, failures, texts = [0, 0, 0, 0], [], {}
    for (clip, variant), frames in cells.items():
        fire, ok, text = verdict(frames, spots_of((clip, variant), frames), **persistence)
        counts[0 if fire else 2] += ok
        counts[1 if fire else 3] += 1
        texts[(clip, variant)] = text
        if not ok:
            failures.append(f"{clip} / {variant}: {text}")
    return counts, failures, texts
