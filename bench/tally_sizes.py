"""Every rule on synthetic elections of 1 to 1,000,000 voters, timed as a user runs it: the whole `vallokal tally` command.

Each size gets an election with 5 to 300 projects and a budget from 10^4 to 10^8,
as approvals and as points (cumulative); ballots approve 1 to 10 projects with a
skewed popularity, as in real elections. Per rule: our whole command (interpreter
start, imports, compiled-code loading, reading the file and counting), and pabutools
(its fastest recipe on the merged profile, reading the file included) in a child process
stopped after --timeout seconds. Target: under 1 s per rule up to 100,000 voters,
under 10 s at 1,000,000.

    .venv/bin/python bench/tally_sizes.py                 # 1 to 10,000 voters: a few minutes
    .venv/bin/python bench/tally_sizes.py --full          # adds 100,000 and 1,000,000 voters
    .venv/bin/python bench/tally_sizes.py [--sizes 1 2 5 13 50 200 1000 10000 100000] [--timeout 10] [--types approval cumulative]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tally_vs_pabutools import reference_timed  # noqa: E402

RULES = ["greedy", "greedy-per-cost", "mes-cost", "mes-card", "mes-completed", "mes-compared"]
# voters: (projects, budget)
SHAPES = {
    1: (5, 10**4), 2: (12, 10**6), 5: (12, 10**6), 13: (12, 10**6), 40: (12, 10**6), 50: (20, 10**5), 200: (40, 10**7),
    1_000: (60, 10**8), 10_000: (100, 10**6), 100_000: (300, 10**8), 1_000_000: (200, 10**8),
}
TARGETS = {100_000: 1.0, 1_000_000: 10.0}
REFERENCE_RULES = {"greedy", "greedy-per-cost", "mes-cost", "mes-card", "mes-completed"}


def synthetic(voters: int, projects: int, budget: int, vote_type: str, seed: int = 11) -> str:
    """A Pabulib file: ballots of 1 to 10 projects (fewer if there are fewer projects), costs so that about a quarter fit the budget."""
    rng = np.random.default_rng(seed + voters)
    popularity = rng.pareto(1.5, projects) + 0.1
    popularity /= popularity.sum()
    weights = rng.integers(1, 40, projects).astype(float)
    costs = np.maximum(1, np.round(weights / weights.sum() * budget * 4)).astype(np.int64)
    lines = ["META", "key;value", f"budget;{budget}", f"vote_type;{vote_type}", f"num_votes;{voters}", f"num_projects;{projects}"]
    if vote_type == "cumulative":
        lines.append("max_sum_points;10")
    lines += ["PROJECTS", "project_id;cost"] + [f"{number};{cost}" for number, cost in enumerate(costs)]
    lines += ["VOTES", "voter_id;vote" + (";points" if vote_type == "cumulative" else "")]
    sizes = rng.integers(1, min(10, projects) + 1, voters)
    keys = None
    for start in range(0, voters, 100_000):
        count = min(100_000, voters - start)
        keys = rng.random((count, projects)) ** (1 / popularity)
        order = np.argsort(-keys, axis=1)
        for row in range(count):
            chosen = order[row, : sizes[start + row]]
            vote = ",".join(str(number) for number in chosen)
            if vote_type == "cumulative":
                points = rng.multinomial(10 - len(chosen), np.ones(len(chosen)) / len(chosen)) + 1 if len(chosen) <= 10 else np.ones(len(chosen))
                lines.append(f"{start + row};{vote};{','.join(str(point) for point in points)}")
            else:
                lines.append(f"{start + row};{vote}")
    return "\n".join(lines) + "\n"


def children_cpu() -> float:
    """CPU seconds used by finished child processes so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[1, 2, 5, 13, 40, 50, 200, 1_000, 10_000])
    parser.add_argument("--full", action="store_true", help="add 100,000 and 1,000,000 voters")
    parser.add_argument("--types", nargs="*", default=["approval", "cumulative"])
    parser.add_argument("--rules", nargs="*", default=RULES)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--reference-up-to", type=int, default=10_000, help="run pabutools only up to this many voters")
    arguments = parser.parse_args()
    if arguments.full:
        arguments.sizes = sorted(set(arguments.sizes) | {100_000, 1_000_000})
    command = [str(Path(sys.executable).with_name("vallokal")), "tally"]
    slowest: dict[int, tuple[float, str]] = {}
    print(f"{'voters':>9s} {'proj':>4s} {'budget':>9s} {'type':5s} " + " ".join(f"{rule:>24s}" for rule in arguments.rules))
    with tempfile.TemporaryDirectory() as folder:
        for voters in arguments.sizes:
            projects, budget = SHAPES.get(voters, (100, 10**6))
            for vote_type in arguments.types:
                path = Path(folder) / f"synthetic_{voters}_{vote_type}.pb"
                path.write_text(synthetic(voters, projects, budget, vote_type), encoding="utf-8")
                cells = []
                for rule in arguments.rules:
                    started, cpu_before = time.perf_counter(), children_cpu()
                    done = subprocess.run([*command, str(path), "--rule", rule, "--json"], check=True, capture_output=True, text=True)
                    seconds = time.perf_counter() - started
                    cpu = children_cpu() - cpu_before
                    ours = json.loads(done.stdout)["winners"]
                    slowest[voters] = max(slowest.get(voters, (0.0, "")), (seconds, f"{rule} ({vote_type}, {cpu:.2f} s of CPU)"))
                    theirs_text = "-"
                    if rule in REFERENCE_RULES and voters <= arguments.reference_up_to:
                        theirs, reference_seconds = reference_timed(path, rule, vote_type, arguments.timeout)
                        if theirs is None:
                            theirs_text = f">{arguments.timeout:.0f}"
                        else:
                            theirs_text = f"{reference_seconds:.2f}" + ("" if sorted(theirs) == sorted(ours) else "≠")
                    cells.append(f"{seconds:6.2f}s {cpu:5.2f}c / {theirs_text:>6s}")
                print(f"{voters:9,d} {projects:4d} {budget:9.0e} {vote_type[:5]:5s} " + " ".join(f"{cell:>24s}" for cell in cells), flush=True)
    print("ours = the whole command, wall-clock (s) and CPU (c, user + system: what a loaded machine changes least)")
    print(f"pabutools = its count in process (≠: other winners); load average {os.getloadavg()[0]:.1f}")
    for voters, (seconds, rule) in slowest.items():
        target = TARGETS.get(voters, 1.0 if voters < 100_000 else 10.0)
        print(f"{voters:9,d} voters: slowest {rule} {seconds:.2f} s of the {target:.0f} s target")


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.set_start_method("fork")
    main()
