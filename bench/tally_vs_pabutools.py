"""Our counting rules and pabutools (the reference) side by side on the shared Pabulib files.

The reference runs at its fastest, on the merged profile (`as_multiprofile()`),
in a child process that is stopped after --timeout seconds. Each line: the file,
per rule our seconds / the reference's seconds and the ratio, and whether the
winners agree. `--completed` adds mes-completed with the cities' recipe (slow in
the reference: minutes on the larger files).

    .venv/bin/python bench/tally_vs_pabutools.py [--completed] [--timeout 300] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from pathlib import Path

from pabutools.election import AbstractOrdinalBallot, AdditiveSatisfaction, Cardinality_Sat, Cost_Sat, parse_pabulib
from pabutools.rules import exhaustion_by_budget_increase, greedy_utilitarian_welfare, method_of_equal_shares
from vallokal.election.tally import methods, pabulib

PABULIB = Path(os.environ.get("VALLOKAL_PABULIB", Path(__file__).resolve().parents[2] / "shared" / "pabulib"))
PLAIN = ["greedy", "greedy-per-cost", "mes-cost", "mes-card"]


class Points(AdditiveSatisfaction):
    """A voter's points for a project: cumulative points, or points by place as Kraków counts
    (of max_length places the first gets max_length points), times cost if asked, so that the
    reference's greedy (which ranks by satisfaction per cost) ranks by points."""

    times_cost = False

    def __init__(self, instance, profile, ballot):
        def points(instance, profile, ballot, project, precomputed):
            if project not in ballot:
                return 0
            if isinstance(ballot, AbstractOrdinalBallot):
                places = profile.legal_max_length or max(len(other) for other in profile)
                given = max(places - ballot.position(project), 0)
            else:
                given = ballot[project]
            return given * project.cost if self.times_cost else given

        super().__init__(instance, profile, ballot, points)


class PointsTimesCost(Points):
    times_cost = True


def reference(path: str, rule: str, vote_type: str) -> list[str]:
    instance, profile = parse_pabulib(path)
    merged = profile.as_multiprofile()
    approval = vote_type in ("approval", "choose-1")
    if rule == "greedy":
        chosen = greedy_utilitarian_welfare(instance, merged, sat_class=Cost_Sat if approval else PointsTimesCost)
    elif rule == "greedy-per-cost":
        chosen = greedy_utilitarian_welfare(instance, merged, sat_class=Cardinality_Sat if approval else Points)
    elif rule in ("mes-cost", "mes-card"):
        chosen = method_of_equal_shares(instance, merged, sat_class=Cost_Sat if rule == "mes-cost" else Cardinality_Sat)
    else:
        chosen = exhaustion_by_budget_increase(
            instance, merged, method_of_equal_shares, {"sat_class": Cost_Sat}, exhaustive_stop=False, budget_step=merged.num_ballots()
        )
    return sorted(project.name for project in chosen)


def _child(queue, path: str, rule: str, vote_type: str) -> None:
    started = time.perf_counter()
    winners = reference(path, rule, vote_type)
    queue.put((winners, time.perf_counter() - started))


def reference_timed(path: Path, rule: str, vote_type: str, timeout: float) -> tuple[list[str] | None, float | None]:
    """The reference's winners and seconds (parsing excluded), or (None, None) if it did not finish in time."""
    queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_child, args=(queue, str(path), rule, vote_type))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return None, None
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--completed", action="store_true")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--only", nargs="*", default=[])
    arguments = parser.parse_args()
    rules = PLAIN + (["mes-completed"] if arguments.completed else [])
    totals = {name: [0.0, 0.0, 0, 0] for name in rules}
    for path in sorted(PABULIB.glob("*.pb")):
        if arguments.only and not any(name in path.name for name in arguments.only):
            continue
        election = pabulib.read(path.read_bytes())
        cells = []
        for rule in rules:
            started = time.perf_counter()
            ours = sorted(methods.winners(election, rule))
            ours_seconds = time.perf_counter() - started
            theirs, reference_seconds = reference_timed(path, rule, election.vote_type, arguments.timeout)
            if theirs is None:
                cells.append(f"{rule} {ours_seconds:.3f}/>{arguments.timeout:.0f}s x>{arguments.timeout / ours_seconds:.0f}")
                continue
            agree = ours == theirs
            totals[rule][0] += ours_seconds
            totals[rule][1] += reference_seconds
            totals[rule][2] += agree
            totals[rule][3] += 1
            ratio = reference_seconds / max(ours_seconds, 1e-6)
            cells.append(f"{rule} {ours_seconds:.3f}/{reference_seconds:.3f}s x{ratio:.0f}{'' if agree else ' DIFFERENT'}")
        print(f"{path.stem[:45]:45s} {election.vote_type[:4]} " + " | ".join(cells), flush=True)
    for rule, (ours_seconds, reference_seconds, agreed, files) in totals.items():
        print(f"{rule}: winners agree on {agreed} of {files} files where the reference finished; ours {ours_seconds:.2f} s, "
              f"reference {reference_seconds:.2f} s in all (the reference takes {reference_seconds / max(ours_seconds, 1e-6):.1f} times as long)")


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    main()
