"""Our counting rules and pabutools (the reference) side by side on the shared Pabulib files.

The reference runs at its fastest, on the merged profile (`as_multiprofile()`).
Each line: the file, per rule our seconds / the reference's seconds and the
ratio, and whether the winners agree. Files whose vote type we do not count yet
are listed as such. `--completed` adds mes-completed with the cities' recipe
(slow in the reference: minutes on the larger files; pass --timeout).

    .venv/bin/python bench/tally_vs_pabutools.py [--completed] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from pabutools.election import Cardinality_Sat, Cost_Sat, parse_pabulib
from pabutools.rules import exhaustion_by_budget_increase, greedy_utilitarian_welfare, method_of_equal_shares

from vallokal.election.tally import completion, greedy, mes, pabulib, profile as profiles

PABULIB = Path(os.environ.get("VALLOKAL_PABULIB", Path(__file__).resolve().parents[2] / "shared" / "pabulib"))

RULES = {
    "greedy": (lambda p: greedy.greedy(p), lambda i, m: greedy_utilitarian_welfare(i, m, sat_class=Cost_Sat)),
    "greedy-per-cost": (lambda p: greedy.greedy(p, per_cost=True), lambda i, m: greedy_utilitarian_welfare(i, m, sat_class=Cardinality_Sat)),
    "mes-cost": (lambda p: mes.equal_shares(p, "cost"), lambda i, m: method_of_equal_shares(i, m, sat_class=Cost_Sat)),
    "mes-card": (lambda p: mes.equal_shares(p, "cardinality"), lambda i, m: method_of_equal_shares(i, m, sat_class=Cardinality_Sat)),
}
COMPLETED = (
    lambda p: completion.completed(p, "cost"),
    lambda i, m: exhaustion_by_budget_increase(i, m, method_of_equal_shares, {"sat_class": Cost_Sat}, exhaustive_stop=False, budget_step=m.num_ballots()),
)


def timed(function, *arguments):
    started = time.perf_counter()
    result = function(*arguments)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--completed", action="store_true")
    parser.add_argument("--only", nargs="*", default=[])
    arguments = parser.parse_args()
    rules = dict(RULES, **({"mes-completed": COMPLETED} if arguments.completed else {}))
    totals = {name: [0.0, 0.0, 0, 0] for name in rules}
    for path in sorted(PABULIB.glob("*.pb")):
        if arguments.only and not any(name in path.name for name in arguments.only):
            continue
        election = pabulib.read(path.read_bytes())
        if election.vote_type not in ("approval", "choose-1"):
            print(f"{path.stem[:45]:45s} {election.vote_type}: not counted yet")
            continue
        profile = profiles.from_pabulib(election)
        instance, reference_profile = parse_pabulib(str(path))
        merged = reference_profile.as_multiprofile()
        cells = []
        for name, (ours, reference) in rules.items():
            mine, ours_seconds = timed(ours, profile)
            theirs, reference_seconds = timed(reference, instance, merged)
            agree = sorted(mine) == sorted(project.name for project in theirs)
            totals[name][0] += ours_seconds
            totals[name][1] += reference_seconds
            totals[name][2] += agree
            totals[name][3] += 1
            cells.append(f"{name} {ours_seconds:.3f}/{reference_seconds:.3f}s x{reference_seconds / max(ours_seconds, 1e-6):.0f}{'' if agree else ' DIFFERENT'}")
        print(f"{path.stem[:45]:45s} " + " | ".join(cells), flush=True)
    for name, (ours_seconds, reference_seconds, agreed, files) in totals.items():
        print(f"{name}: winners agree on {agreed} of {files} files; ours {ours_seconds:.2f} s, reference {reference_seconds:.2f} s in all "
              f"(the reference takes {reference_seconds / max(ours_seconds, 1e-6):.1f} times as long)")


if __name__ == "__main__":
    main()
