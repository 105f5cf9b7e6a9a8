"""The ballots in a compact array form: one row per distinct ballot, with its weight.

Identical ballots are merged, so a rule works on a million voters without a
Python object per vote. Projects are in the reference's tie-break order: by
project id as a string ("10" before "9").
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .pabulib import Election


class ProfileError(ValueError):
    """Ballots that this form cannot hold (for example, a vote type it does not count yet)."""


@dataclass(frozen=True)
class ApprovalProfile:
    project_ids: tuple[str, ...]
    costs: tuple[Fraction, ...]
    budget: Fraction
    approvals: np.ndarray
    weights: np.ndarray

    @property
    def voters(self) -> int:
        return int(self.weights.sum())

    def votes(self) -> np.ndarray:
        """Approvals per project (weighted)."""
        return weighted_counts(self.approvals, self.weights)


def weighted_counts(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ weight × row, from the rows' nonzero entries: no wide integer copy of the matrix."""
    ballots, projects = np.nonzero(rows)
    return np.bincount(projects, weights=weights[ballots], minlength=rows.shape[1]).round().astype(np.int64)


def approval_profile(project_ids: list[str], costs: list[Fraction], budget: Fraction, rows: np.ndarray, weights: np.ndarray | None = None) -> ApprovalProfile:
    """Build the merged form from a boolean matrix (ballot × project) and optional weights."""
    order = sorted(range(len(project_ids)), key=lambda index: project_ids[index])
    rows = np.asarray(rows, dtype=bool)[:, order] if len(project_ids) else np.zeros((len(rows), 0), dtype=bool)
    weights = np.ones(len(rows), dtype=np.int64) if weights is None else np.asarray(weights, dtype=np.int64)
    if len(rows):
        packed = np.ascontiguousarray(np.packbits(rows, axis=1))
        as_bytes = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1) if packed.shape[1] else np.zeros(len(rows), dtype=np.int8)
        _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
        merged = np.bincount(inverse.reshape(-1), weights=weights, minlength=len(first)).astype(np.int64)
        rows = rows[first]
        weights = merged
    return ApprovalProfile(
        project_ids=tuple(project_ids[index] for index in order),
        costs=tuple(costs[index] for index in order),
        budget=budget,
        approvals=rows,
        weights=weights,
    )


def from_pabulib(election: Election) -> ApprovalProfile:
    """The votes as approvals: for approval and choose-1 votes, what the voter chose; for
    cumulative, scoring and ordinal votes, every project the voter gave points or a place
    (as the reference's cost and cardinality satisfactions read them). A repeated project counts once."""
    project_ids = sorted(election.projects)
    column = {project_id: index for index, project_id in enumerate(project_ids)}
    merged: dict[tuple[int, ...], int] = {}
    for position, vote in enumerate(election.votes):
        key = tuple(sorted({column[project_id] for project_id in vote.projects}))
        merged[key] = merged.get(key, 0) + election.weight(position)
    rows = np.zeros((len(merged), len(project_ids)), dtype=bool)
    rows[[row for row, key in enumerate(merged) for _ in key], [index for key in merged for index in key]] = True
    return ApprovalProfile(
        project_ids=tuple(project_ids),
        costs=tuple(election.cost(project_id) for project_id in project_ids),
        budget=election.budget,
        approvals=rows,
        weights=np.fromiter(merged.values(), dtype=np.int64, count=len(merged)),
    )


def scores(election: Election) -> dict[str, int]:
    """Each project's score: approvals; points (cumulative, scoring); or points by place (ordinal).

    By place, as Kraków counts (its published scores and winners agree): of `max_length`
    places (META, else the longest vote), the first gets `max_length` points, the next one
    less. pabutools' Borda satisfaction gives n − i − 1 in a vote of n projects instead,
    which funds other projects in Kraków 2023 (docs/counting.md).
    """
    total = dict.fromkeys(election.projects, 0)
    kind = election.vote_type
    places = int(election.meta.get("max_length") or max((len(vote.projects) for vote in election.votes), default=0))
    for position, vote in enumerate(election.votes):
        weight = election.weight(position)
        if kind in ("cumulative", "scoring"):
            if vote.points is None:
                raise ProfileError(f"voter {vote.voter_id}: a {kind} vote needs points")
            for project_id, points in zip(vote.projects, vote.points):
                total[project_id] += points * weight
        elif kind == "ordinal":
            for place, project_id in enumerate(vote.projects):
                total[project_id] += max(places - place, 0) * weight
        else:
            for project_id in set(vote.projects):
                total[project_id] += weight
    return total
