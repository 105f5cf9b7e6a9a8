"""The ballots in a compact array form: one row per distinct ballot, with its weight.

Identical ballots are merged, so a rule works on a million voters without a
Python object per vote. Projects are in the reference's tie-break order: by
project id as a string ("10" before "9").
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import chain
from operator import attrgetter

import numpy as np

from . import votes_in_bulk
from .pabulib import Election, NumberedBallots


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
    ballots, projects = entries(rows)
    return np.bincount(projects, weights=weights[ballots], minlength=rows.shape[1]).round().astype(np.int64)


def entries(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (row, column) of every true cell, row by row: as `np.nonzero`, five times quicker on a wide matrix (one flat search)."""
    if rows.shape[1] == 0:
        return np.nonzero(rows)
    return np.divmod(np.flatnonzero(rows), rows.shape[1])


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
    (as the reference's cost and cardinality satisfactions read them). A repeated project counts once.

    Built in numpy from the votes' project lists: each vote's set of columns as bits, identical
    sets merged, in the order of each set's first vote."""
    project_ids = sorted(election.projects)
    ballots, columns = _entries(election, project_ids)
    weights = np.asarray(election.weights if election.weights is not None else np.ones(len(election.votes)), dtype=np.int64)
    packed = np.zeros((len(weights), (len(project_ids) + 7) // 8), dtype=np.uint8)
    np.bitwise_or.at(packed, (ballots, columns >> 3), (128 >> (columns & 7)).astype(np.uint8))
    if len(packed) and packed.shape[1]:
        first, inverse = _distinct_rows(packed)
        by_first = np.argsort(first)
        rank = np.empty_like(by_first)
        rank[by_first] = np.arange(len(by_first))
        merged = np.bincount(rank[inverse.reshape(-1)], weights=weights, minlength=len(first)).round().astype(np.int64)
        rows = np.unpackbits(packed[first[by_first]], axis=1, count=len(project_ids)).view(bool)  # 0 and 1 bytes: bools without a copy
    else:
        merged = np.array([weights.sum()] if len(weights) else [], dtype=np.int64)
        rows = np.zeros((len(merged), len(project_ids)), dtype=bool)
    return ApprovalProfile(
        project_ids=tuple(project_ids),
        costs=tuple(election.cost(project_id) for project_id in project_ids),
        budget=election.budget,
        approvals=rows,
        weights=merged,
    )


def _distinct_rows(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like `np.unique(rows, return_index=True, return_inverse=True)` on the packed rows (first row of
    each distinct one, and which distinct one each row is), in some order of the distinct rows.

    Sorting rows of bytes is slow (0.5 s for a million); rows are sorted by one 64-bit number
    instead: the row itself if it fits in 64 bits, else a mix of its words, every row then
    compared whole with the first of its group, and sorted as bytes only if two differ.
    """
    width = packed.shape[1]
    words = np.zeros((len(packed), (width + 7) // 8 * 8), dtype=np.uint8)
    words[:, :width] = packed
    words = words.view(np.uint64)
    key = words[:, 0].copy()
    for column in range(1, words.shape[1]):
        key = (key ^ (key >> np.uint64(31))) * votes_in_bulk.MIX[1] + words[:, column] * votes_in_bulk.MIX[0]
    if words.shape[1] > 1:
        key = (key ^ (key >> np.uint64(27))) * votes_in_bulk.MIX[2]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    if words.shape[1] == 1 or np.array_equal(words, words[first[inverse]]):
        return first, inverse
    _, first, inverse = np.unique(packed.view(np.dtype((np.void, width))).reshape(-1), return_index=True, return_inverse=True)
    return first, inverse


def _entries(election: Election, project_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every (vote, project column) the votes name, in vote order, as two arrays; from the reader's columns where it kept them."""
    column = {project_id: index for index, project_id in enumerate(project_ids)}
    if isinstance(election.ballots, NumberedBallots) and election.ballots.project_ids == project_ids:
        lengths = np.asarray(election.ballots.lengths, dtype=np.int64)
        return np.repeat(np.arange(len(lengths)), lengths), election.ballots.columns
    if election.ballots is not None:
        chosen, lengths = election.ballots.projects, np.asarray(election.ballots.lengths, dtype=np.int64)
    else:
        votes = list(map(attrgetter("projects"), election.votes))
        chosen, lengths = chain.from_iterable(votes), np.fromiter(map(len, votes), dtype=np.int64, count=len(votes))
    columns = np.fromiter(map(column.__getitem__, chosen), dtype=np.int64, count=int(lengths.sum()))
    return np.repeat(np.arange(len(lengths)), lengths), columns


def _points(election: Election, count: int, kind: str) -> np.ndarray:
    """Every vote's points in vote order (as `_entries`); a ProfileError if a vote has none."""
    if election.ballots is not None and election.ballots.points is not None:
        return np.asarray(election.ballots.points, dtype=np.int64)
    missing = next((vote for vote in election.votes if vote.points is None), None)
    if missing is not None:
        raise ProfileError(f"voter {missing.voter_id}: a {kind} vote needs points")
    return np.fromiter(chain.from_iterable(map(attrgetter("points"), election.votes)), dtype=np.int64, count=count)


def scores(election: Election) -> dict[str, int]:
    """Each project's score: approvals; points (cumulative, scoring); or points by place (ordinal).

    By place, as Kraków counts (its published scores and winners agree): of `max_length`
    places (META, else the longest vote), the first gets `max_length` points, the next one
    less. pabutools' Borda satisfaction gives n − i − 1 in a vote of n projects instead,
    which funds other projects in Kraków 2023 (docs/counting.md).
    Summed exactly in int64 (numpy), or as Python integers where that could overflow.
    """
    project_ids = sorted(election.projects)
    kind = election.vote_type
    ballots, columns = _entries(election, project_ids)
    weights = np.asarray(election.weights if election.weights is not None else np.ones(len(election.votes)), dtype=np.int64)
    if kind in ("cumulative", "scoring"):
        points = _points(election, len(columns), kind)
    elif kind == "ordinal":
        places = int(election.meta.get("max_length") or (int(np.bincount(ballots).max()) if len(ballots) else 0))
        starts = np.searchsorted(ballots, ballots) if len(ballots) else ballots
        points = np.maximum(places - (np.arange(len(ballots)) - starts), 0)
    else:
        once = np.unique(ballots * max(len(project_ids), 1) + columns, return_index=True)[1]
        ballots, columns = ballots[once], columns[once]
        points = np.ones(len(once), dtype=np.int64)
    longest = int(np.bincount(ballots).max()) if len(ballots) else 0
    if int(np.abs(points).max(initial=0)) * int(weights.sum()) * longest < 2**62:
        totals = np.zeros(len(project_ids), dtype=np.int64)
        np.add.at(totals, columns, points * weights[ballots])
        return dict(zip(project_ids, totals.tolist()))
    total = [0] * len(project_ids)
    for ballot, index, point in zip(ballots.tolist(), columns.tolist(), points.tolist()):
        total[index] += point * int(weights[ballot])
    return dict(zip(project_ids, total))
