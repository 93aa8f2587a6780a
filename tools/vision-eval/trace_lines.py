"""Reading the traces of the fire robustness matrix (`gw-eval-vision-fire
--trace FILE`: one JSON object per frame), shared by the scripts beside it."""
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
