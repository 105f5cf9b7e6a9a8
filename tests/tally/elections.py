"""Elections for the counting tests: where the real Pabulib files are, and elections made in code."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from vallokal.election.tally import pabulib, profile as profiles


def pabulib_folder() -> Path:
    """VALLOKAL_PABULIB, else the first `shared/pabulib` beside the repository or a folder above it."""
    if os.environ.get("VALLOKAL_PABULIB"):
        return Path(os.environ["VALLOKAL_PABULIB"])
    repository = Path(__file__).resolve().parents[2]
    for folder in repository.parents:
        if (folder / "shared" / "pabulib").is_dir():
            return folder / "shared" / "pabulib"
    return repository.parent / "shared" / "pabulib"


PABULIB = pabulib_folder()
FILES = sorted(PABULIB.glob("*.pb"))
NO_FILES = (
    f"no Pabulib files in {PABULIB}: download .pb files from pabulib.org (the agreement tests use the 31 listed in "
    "docs/benchmarks.md) into a folder and name it in VALLOKAL_PABULIB"
)
if os.environ.get("VALLOKAL_REQUIRE_PABULIB") and not FILES:
    raise pytest.UsageError(f"VALLOKAL_REQUIRE_PABULIB is set (as CI sets it), but there are {NO_FILES}")
needs_files = pytest.mark.skipif(not FILES, reason=NO_FILES)


def build(budget: int, costs: dict[str, int], ballots: list[set[str]]) -> profiles.ApprovalProfile:
    ids = list(costs)
    rows = np.array([[project in ballot for project in ids] for ballot in ballots], dtype=bool).reshape(len(ballots), len(ids))
    return profiles.approval_profile(ids, [Fraction(costs[project]) for project in ids], Fraction(budget), rows)


def election(vote_type: str, budget: int, costs: list[int], ballots: list[list[int]], points: list[list[int]] | None = None) -> pabulib.Election:
    """A Pabulib election of any vote type: `ballots` lists project numbers (in ranked order for ordinal votes)."""
    projects = {str(number): {"project_id": str(number), "cost": str(cost)} for number, cost in enumerate(costs)}
    votes = [
        pabulib.Vote(str(voter), tuple(str(number) for number in chosen), tuple(points[voter]) if points else None)
        for voter, chosen in enumerate(ballots)
    ]
    meta = {"budget": str(budget), "vote_type": vote_type, "num_votes": str(len(ballots)), "num_projects": str(len(costs))}
    return pabulib.Election(meta, projects, votes, list(meta), ["project_id", "cost"], ["voter_id", "vote", "points"] if points else ["voter_id", "vote"])


def stepped_completion(profile: profiles.ApprovalProfile, satisfaction: str = "cost") -> list[str]:
    """The cities' completion literally: raise every voter's share by one unit at a time, exactly, keeping the last outcome within the budget."""
    from gmpy2 import mpq
    from vallokal.election.tally import mes

    if profile.voters == 0:
        return []
    costs = dict(zip(profile.project_ids, profile.costs))
    previous: list[str] = []
    raise_by = 0
    while raise_by <= profile.budget:
        outcome = mes._run(profile, satisfaction, None, mpq(raise_by), track=False)[0]
        if sum((costs[project_id] for project_id in outcome), Fraction(0)) > profile.budget:
            return previous
        previous = outcome
        raise_by += 1
    return previous


def skewed_approvals(voters: int, projects: int, budget: int, seed: int) -> profiles.ApprovalProfile:
    """Ballots of 1 to 10 projects drawn by a skewed popularity, costs so that about a quarter fit: the shape of
    `bench/tally_sizes.py`, where a large budget per voter takes a thousand raises to overspend."""
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.5, projects) + 0.1
    popularity /= popularity.sum()
    shares = rng.integers(1, 40, projects)
    costs = [Fraction(max(1, round(int(share) * budget * 4 / int(shares.sum())))) for share in shares]
    order = np.argsort(-(rng.random((voters, projects)) ** (1 / popularity)), axis=1)
    sizes = rng.integers(1, min(10, projects) + 1, voters)
    rows = np.zeros((voters, projects), dtype=bool)
    rows[np.arange(voters).repeat(sizes), np.concatenate([order[row, :size] for row, size in enumerate(sizes)])] = True
    return profiles.approval_profile([f"p{number}" for number in range(projects)], costs, Fraction(budget), rows)


def completed_election(tmp_path: Path) -> Path:
    """Enough distinct ballots that the completion runs the kernel (ranges), not the exact code."""
    rng = np.random.default_rng(5)
    votes = "".join(f"{voter};{','.join(map(str, sorted(rng.choice(20, rng.integers(1, 5), replace=False) + 1)))}\n" for voter in range(600))
    election = tmp_path / "completed.pb"
    projects = "".join(f"{number};{int(cost)}\n" for number, cost in zip(range(1, 21), rng.integers(5, 40, 20) * 1000))
    election.write_text(f"META\nkey;value\nbudget;100000\nPROJECTS\nproject_id;cost\n{projects}VOTES\nvoter_id;vote\n{votes}")
    return election
