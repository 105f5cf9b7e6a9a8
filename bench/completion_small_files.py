"""The completion of small elections two ways, on every Pabulib file of at most 64 distinct ballots in a folder.

Below that size a count runs the exact code (`mes.completed`) until the compiled kernel is
built on the machine, and float jumps (`completion.float_completed`) after: the two must give
the same winners. Each file is read once; both ways are timed in process, and the lines
printed are the slowest files of either way, with the totals and the ratio.

    .venv/bin/python bench/completion_small_files.py [--folder DIR] [--slowest 10]

`--folder` defaults to VALLOKAL_PABULIB, else the shared thirty (see `tally_vs_pabutools.py`
for bringing the public collection; never commit it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vallokal.election.tally import compiled_kernel, completion, mes, pabulib, profile as profiles

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tally_vs_pabutools import PABULIB  # noqa: E402


def timed(count, profile) -> tuple[list[str], float]:
    started = time.perf_counter()
    winners = count(profile)
    return winners, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=PABULIB)
    parser.add_argument("--slowest", type=int, default=10)
    arguments = parser.parse_args()
    compiled_kernel.load()
    rows, differing, unreadable = [], [], 0
    for path in sorted(arguments.folder.glob("*.pb")):
        try:
            profile = profiles.from_pabulib(pabulib.read(path.read_bytes(), merge=True))
        except (pabulib.PabulibError, profiles.ProfileError):
            unreadable += 1
            continue
        if len(profile.weights) > completion.EXACT_COMPLETION_UP_TO or profile.voters == 0:
            continue
        exact, exact_seconds = timed(mes.completed, profile)
        floats, float_seconds = timed(completion.float_completed, profile)
        rows.append((path.stem, len(profile.weights), exact_seconds, float_seconds))
        if exact != floats:
            differing.append(path.stem)
    if not rows:
        sys.exit(f"no file of at most {completion.EXACT_COMPLETION_UP_TO} distinct ballots in {arguments.folder}")
    print(f"{'file':45s} {'ballots':>7s} {'exact':>8s} {'jumps':>8s} {'ratio':>6s}")
    for name, ballots, exact_seconds, float_seconds in sorted(rows, key=lambda row: -max(row[2], row[3]))[: arguments.slowest]:
        print(f"{name[:45]:45s} {ballots:7d} {exact_seconds:7.3f}s {float_seconds:7.3f}s {exact_seconds / float_seconds:6.1f}")
    exact_total, float_total = sum(row[2] for row in rows), sum(row[3] for row in rows)
    print(f"{len(rows)} files ({unreadable} not readable): the same winners on {len(rows) - len(differing)}; "
          f"exact {exact_total:.2f} s in all, jumps {float_total:.2f} s ({exact_total / float_total:.1f} times quicker)")
    for name in differing:
        print(f"  DIFFERENT WINNERS: {name}")


if __name__ == "__main__":
    main()
