"""Our counting rules on a synthetic election: 1,000,000 ballots, 200 projects.

Ballots approve 1 to 10 projects, drawn with a skewed popularity so that some
projects are far more liked than others, as in real elections. Target: every
rule under 30 s on this machine.

    .venv/bin/python bench/tally_million.py [--ballots 1000000] [--projects 200] [--rules greedy mes-cost ...]
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np
from vallokal.election.tally import profile as profiles
from vallokal.election.tally.methods import RULES

TARGET_SECONDS = 30


def synthetic(ballots: int, projects: int, seed: int = 7) -> profiles.ApprovalProfile:
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.5, projects) + 0.1
    popularity /= popularity.sum()
    rows = np.zeros((ballots, projects), dtype=bool)
    sizes = rng.integers(1, 11, ballots)
    for size in range(1, 11):
        who = np.nonzero(sizes == size)[0]
        if len(who) == 0:
            continue
        keys = rng.random((len(who), projects)) ** (1 / popularity)
        chosen = np.argpartition(-keys, size - 1, axis=1)[:, :size]
        rows[who[:, None], chosen] = True
    costs = [Fraction(int(cost)) for cost in rng.integers(10, 500, projects) * 1000]
    ids = [f"P{number:03d}" for number in range(projects)]
    made = time.perf_counter()
    profile = profiles.approval_profile(ids, costs, Fraction(sum(costs) // 4), rows)
    print(f"merging {ballots:,d} ballots into the compact form took {time.perf_counter() - made:.1f} s")
    return profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--rules", nargs="*", default=sorted(RULES))
    arguments = parser.parse_args()
    started = time.perf_counter()
    profile = synthetic(arguments.ballots, arguments.projects)
    print(f"{profile.voters:,d} ballots ({len(profile.weights):,d} distinct), {len(profile.project_ids)} projects, "
          f"budget {profile.budget}: made and merged in {time.perf_counter() - started:.1f} s")
    for name in arguments.rules:
        started = time.perf_counter()
        winners = RULES[name](profile)
        seconds = time.perf_counter() - started
        print(f"{name:16s} {seconds:7.2f} s  {len(winners):3d} winners  ({seconds / TARGET_SECONDS:.2f} of the {TARGET_SECONDS} s target)", flush=True)


if __name__ == "__main__":
    main()
