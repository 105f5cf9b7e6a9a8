"""Our counting rules and pabutools (the reference) side by side on Pabulib files.

The reference runs at its fastest, on the merged profile (`as_multiprofile()`),
in a child process that is stopped after --timeout seconds. Like for like, both
sides are timed from the file's bytes to the winners inside one process (reading,
merging and counting); beside that, our whole command (`vallokal tally`, interpreter
start and compiled-code loading included). Each line: the file, per rule our
seconds in process / our whole command / the reference's seconds and the ratio,
and whether the winners agree. `--completed` adds mes-completed with the cities'
recipe (slow in the reference: minutes on the larger files). Targets, on every
file where the reference needs more than 5 s: ratio at least 100, whole command under 1 s.

    .venv/bin/python bench/tally_vs_pabutools.py [--completed] [--timeout 300] [--only NAME ...]
    .venv/bin/python bench/tally_vs_pabutools.py --folder DIR --sample 4 --completed --timeout 60

`--folder` reads any folder of .pb files (default VALLOKAL_PABULIB, else the shared thirty);
`--sample N` takes the N largest files of each vote type in it (approval, choose-1,
cumulative, ordinal), so the sample is chosen by size and vote type, never by name.
The public collection can be brought with the search tool's fetch (never commit it):
    git --git-dir=/work/.mirror/pabulib+pabulib_files/repo ls-tree -r HEAD pb_files  # then cat-file each blob into DIR
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
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
    """The reference's winners and seconds (parsing and merging included), or (None, None) if it did not finish in time."""
    queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_child, args=(queue, str(path), rule, vote_type))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return None, None
    return queue.get()


def vote_type_of(path: Path) -> str:
    """The META vote_type, read from the file's head only (approval if absent)."""
    for line in path.read_bytes()[:20_000].decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(";")
        if key.strip().lower() == "vote_type":
            return value.strip().strip('"')
    return "approval"


def sample(folder: Path, per_type: int) -> list[Path]:
    """The `per_type` largest files of each vote type in `folder` (all files if per_type is 0)."""
    files = sorted(folder.glob("*.pb"))
    if not per_type:
        return files
    by_type: dict[str, list[Path]] = {}
    for path in files:
        by_type.setdefault(vote_type_of(path), []).append(path)
    chosen = [path for paths in by_type.values() for path in sorted(paths, key=lambda path: -path.stat().st_size)[:per_type]]
    return sorted(chosen, key=lambda path: -path.stat().st_size)


def whole_command(path: Path, rule: str) -> tuple[list[str], float, float]:
    """Our winners, and the wall-clock and CPU seconds of the whole `vallokal tally` command, as a user runs it."""
    command = [str(Path(sys.executable).with_name("vallokal")), "tally", str(path), "--rule", rule, "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return sorted(json.loads(done.stdout)["winners"]), seconds, cpu


def warm_up() -> None:
    """Like for like: the reference's modules are imported before it is timed, so ours are too (the equal-shares
    code, the exact arithmetic and the built kernel, which a count loads on first use); the whole command counts them."""
    from vallokal.election.tally import compiled_kernel, completion, mes  # noqa: F401

    compiled_kernel.load()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--completed", action="store_true")
    parser.add_argument("--only-completed", action="store_true", help="mes-completed alone (with --completed)")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--folder", type=Path, default=PABULIB)
    parser.add_argument("--sample", type=int, default=0, help="the N largest files of each vote type (0: every file)")
    parser.add_argument("--slow", type=float, default=5.0, help="the targets apply where the reference needs more than this")
    arguments = parser.parse_args()
    rules = ([] if arguments.only_completed else PLAIN) + (["mes-completed"] if arguments.completed else [])
    totals = {name: [0.0, 0.0, 0, 0] for name in rules}
    judged: list[tuple[str, str, float, float, float, bool]] = []
    warm_up()
    for path in sample(arguments.folder, arguments.sample):
        if arguments.only and not any(name in path.name for name in arguments.only):
            continue
        vote_type = vote_type_of(path)
        cells = []
        for rule in rules:
            started = time.perf_counter()
            ours = sorted(methods.winners(pabulib.read(path.read_bytes(), merge=True), rule))
            ours_seconds = time.perf_counter() - started
            command_winners, command_seconds, command_cpu = whole_command(path, rule)
            ours_text = f"{rule} {ours_seconds:.3f}/{command_seconds:.2f}({command_cpu:.2f}c)"
            assert command_winners == ours, (path.name, rule)
            theirs, reference_seconds = reference_timed(path, rule, vote_type, arguments.timeout)
            if theirs is None:
                cells.append(f"{ours_text}/>{arguments.timeout:.0f}s x>{arguments.timeout / ours_seconds:.0f}")
                judged.append((path.stem, rule, ours_seconds, command_seconds, arguments.timeout, True))
                continue
            agree = ours == theirs
            totals[rule][0] += ours_seconds
            totals[rule][1] += reference_seconds
            totals[rule][2] += agree
            totals[rule][3] += 1
            ratio = reference_seconds / max(ours_seconds, 1e-6)
            if reference_seconds > arguments.slow:
                judged.append((path.stem, rule, ours_seconds, command_seconds, reference_seconds, False))
            cells.append(f"{ours_text}/{reference_seconds:.3f}s x{ratio:.0f}{'' if agree else ' DIFFERENT'}")
        print(f"{path.stem[:45]:45s} {vote_type[:4]} {path.stat().st_size / 1e6:5.2f}MB " + " | ".join(cells), flush=True)
    print("each cell: ours in process / our whole command (its CPU seconds) / the reference in process (s), and the ratio in process")
    print(f"load average {os.getloadavg()[0]:.1f}")
    for rule, (ours_seconds, reference_seconds, agreed, files) in totals.items():
        print(f"{rule}: winners agree on {agreed} of {files} files where the reference finished; ours {ours_seconds:.2f} s, "
              f"reference {reference_seconds:.2f} s in all (the reference takes {reference_seconds / max(ours_seconds, 1e-6):.1f} times as long)")
    if judged:
        lowest = min(judged, key=lambda row: row[4] / row[2])
        slowest = max(judged, key=lambda row: row[3])
        bound = f"{lowest[4] / lowest[2]:.0f}"
        if lowest[5]:
            bound = f"> {bound} (a lower bound: the reference was stopped at {arguments.timeout:.0f} s)"
        print(f"where the reference needs more than {arguments.slow:.0f} s ({len(judged)} counts): smallest ratio {bound} "
              f"({lowest[0][:40]}, {lowest[1]}; target 100), slowest whole command {slowest[3]:.2f} s ({slowest[0][:40]}, {slowest[1]}; target 1 s)")


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    main()
