"""Completed equal shares, fast: floating-point runs with exact fallbacks, and jumps that provably change nothing.

The completion raises every voter's share one unit at a time and keeps the last
outcome within the budget (see `mes.completed`, the exact reference
implementation in this package). Two things make it fast here:

* A run of the Method of Equal Shares in floating point, compiled (`kernel`).
  A decision whose two sides are closer than MARGIN (relative) is not
  trusted: that raise is run again exactly (`mes`).
* Jumps. With the order of purchases fixed, every voter's remaining budget can
  only grow as the share grows, so every price can only fall. If, replayed at a
  higher raise T, every competitor of each purchase is still dearer than that
  purchase was at the lower raise, and what could not be afforded still cannot,
  then every raise in between gives the same outcome. Such a raise range is
  skipped; when the check fails, the range is halved, down to single steps.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np
from gmpy2 import mpq

from . import mes
from .profile import ApprovalProfile, weighted_counts

MARGIN = 1e-8


class Run(NamedTuple):
    sequence: list[int]
    rhos: list[float]
    clear: bool
    floors: list[float] = []


class Arrays:
    """The profile as float arrays, for projects that cost something and have supporters."""

    def __init__(self, profile: ApprovalProfile, satisfaction: str) -> None:
        counts = weighted_counts(profile.approvals, profile.weights)
        costs = np.array([float(cost) for cost in profile.costs])
        self.free = [index for index in range(len(costs)) if counts[index] > 0 and profile.costs[index] == 0]
        self.columns = np.array([index for index in range(len(costs)) if counts[index] > 0 and profile.costs[index] > 0], dtype=np.int64)
        self.approvals = profile.approvals[:, self.columns]
        self.weights = profile.weights.astype(np.float64)
        self.costs = costs[self.columns]
        self.utility = self.costs if satisfaction == "cost" else np.ones(len(self.columns))
        project_of, self.indices = np.nonzero(np.ascontiguousarray(self.approvals.T))
        self.indptr = np.searchsorted(project_of, np.arange(len(self.columns) + 1)).astype(np.int64)
        self.support = np.bincount(project_of, weights=self.weights[self.indices], minlength=len(self.columns))
        self.overlap = _overlap(self.approvals, self.indptr, self.indices)


def _overlap(approvals: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Which pairs of projects share a supporter: per project, OR of its supporters' ballots as bits (far cheaper than a matrix product)."""
    projects = approvals.shape[1]
    if len(indices) == 0:
        return np.zeros((projects, projects), dtype=bool)
    packed = np.packbits(approvals, axis=1)
    present = np.nonzero(np.diff(indptr))[0]
    merged = np.zeros((projects, packed.shape[1]), dtype=np.uint8)
    merged[present] = np.bitwise_or.reduceat(packed[indices], indptr[present], axis=0)
    return np.unpackbits(merged, axis=1, count=projects).astype(bool)


def run(arrays: Arrays, share: float, base: Run | None = None) -> Run:
    """Equal shares with each voter's share `share`, in floating point (see `kernel`); `clear` is False if any decision was close.

    With `base` (a run at a lower share) every round evaluates on until every
    competitor is dearer than that run's purchase in the same round, so that
    `floors` can prove the two runs agree on every share between them (see `agree`).
    """
    from . import kernel  # Numba takes half a second to load; only the equal-shares rules need it

    base_sequence = np.array(base.sequence if base is not None else [], dtype=np.int64)
    base_rhos = np.array(base.rhos if base is not None else [], dtype=np.float64)
    rounds, sequence, rhos, floors = kernel.run(
        arrays.indptr, arrays.indices, arrays.weights, arrays.costs, arrays.utility, arrays.support, arrays.overlap,
        share, base_sequence, base_rhos, MARGIN,
    )
    if rounds == kernel.UNCLEAR:
        return Run([], [], False)
    return Run(sequence[:rounds].tolist(), rhos[:rounds].tolist(), True, floors[:rounds].tolist())


def agree(lower: Run, higher: Run) -> bool:
    """Do two clear runs prove that every share between theirs gives the same outcome?

    With the purchases fixed, budgets only grow with the share and prices only
    fall; so if in every round every competitor at the higher share is still
    dearer than the purchase was at the lower share, nothing between can differ.
    """
    return (
        lower.clear and higher.clear and lower.sequence == higher.sequence
        and all(floor > rho * (1 + MARGIN) for floor, rho in zip(higher.floors, lower.rhos))
    )


# Below these sizes the exact code (`mes`) is quicker than loading the compiled kernel (about 0.35 s of CPU):
# plain equal shares costs it about 0.3 µs per distinct ballot and project, the completion far more.
EXACT_PLAIN_UP_TO = 500_000
EXACT_COMPLETION_UP_TO = 64


def equal_shares(profile: ApprovalProfile, satisfaction: str = "cost") -> list[str]:
    """Plain equal shares: exactly if the election is small, else the float run where every decision is clear, else exactly (same outcome)."""
    if profile.voters == 0:
        return []
    if len(profile.weights) * len(profile.project_ids) <= EXACT_PLAIN_UP_TO:
        return mes.equal_shares(profile, satisfaction)
    return float_equal_shares(profile, satisfaction)


def float_equal_shares(profile: ApprovalProfile, satisfaction: str = "cost") -> list[str]:
    """Plain equal shares by the float run where every decision is clear, else exactly (same outcome)."""
    if profile.voters == 0:
        return []
    arrays = Arrays(profile, satisfaction)
    done = run(arrays, float(Fraction(profile.budget) / profile.voters))
    if not done.clear:
        return mes.equal_shares(profile, satisfaction)
    return [profile.project_ids[index] for index in arrays.free] + [profile.project_ids[arrays.columns[index]] for index in done.sequence]


def split(low: int, low_run: Run, high: int, high_run: Run) -> int:
    """Where to look between two raises that `agree` could not join.

    With the same purchases at both ends, the competitor that came too close most
    likely closes in steadily: aim just short of where it would, by straight-line
    interpolation between the two ends. Otherwise, halve.
    """
    middle = (low + high) // 2
    if not (low_run.clear and high_run.clear and low_run.sequence == high_run.sequence):
        return middle
    reach = 1.0
    for floor_low, floor_high, rho in zip(low_run.floors, high_run.floors, low_run.rhos):
        limit = rho * (1 + MARGIN)
        if floor_high <= limit < floor_low:
            reach = min(reach, (floor_low - limit) / (floor_low - floor_high))
    guess = low + int(reach * (high - low) * 0.9)
    return min(max(guess, low + 1), high - 1)


def tracked(arrays: Arrays, share: float) -> tuple[list[int] | None, float]:
    """A float run at one share and how far the share can rise with every decision unchanged; None if a decision was close."""
    from . import kernel

    rounds, sequence, distance = kernel.run_tracked(
        arrays.indptr, arrays.indices, arrays.weights, arrays.costs, arrays.utility, arrays.support, arrays.overlap, share, MARGIN,
    )
    if rounds == kernel.UNCLEAR:
        return None, 0.0
    return sequence[:rounds].tolist(), distance


# Up to this many distinct ballots, a raise the float run finds too close is run exactly with its
# own exact jump; above it the exact run is too slow for that and the jump is left to the search.
EXACT_JUMPS_UP_TO = 400
# Above this many, float jumps almost never reach past the next unit, and only cost time.
FLOAT_JUMPS_UP_TO = 5_000


def completed(profile: ApprovalProfile, satisfaction: str = "cost") -> list[str]:
    """The cities' completion: exactly (`mes.completed`) for a few distinct ballots, else by float runs (`float_completed`)."""
    if len(profile.weights) <= EXACT_COMPLETION_UP_TO:
        return mes.completed(profile, satisfaction)
    return float_completed(profile, satisfaction)


def float_completed(profile: ApprovalProfile, satisfaction: str = "cost") -> list[str]:
    """The same outcome as `mes.completed` (raise one unit at a time, keep the last outcome within the budget), by jumps.

    Two proofs that a range of raises changes nothing, used together:

    * Jumps to where a decision could first change. Every budget in a run is an
      affine function of the raise, so every decision the run makes holds until
      its two sides cross; the run reports the nearest crossing (`kernel.run_tracked`,
      rounding allowed for). With few voters there are few decisions and the jump
      goes straight to the next raise at which the outcome can change, however
      large budget ÷ voters is.
    * With many voters, who pays in full changes at almost every unit, but the
      outcome does not: there the search by `agree` (prices only fall as the raise
      grows) joins long ranges. When jumps stop helping, they are tried less often.
    """
    if profile.voters == 0:
        return []
    arrays = Arrays(profile, satisfaction)
    names = profile.project_ids
    budget = Fraction(profile.budget)
    last_raise = math.floor(budget)
    costs = dict(zip(names, (Fraction(cost) for cost in profile.costs)))
    free = [names[index] for index in arrays.free]
    exact_jumps = len(profile.weights) <= EXACT_JUMPS_UP_TO
    float_jumps = len(profile.weights) <= FLOAT_JUMPS_UP_TO

    def share(raise_by: int) -> float:
        return float((budget + profile.voters * raise_by) / profile.voters)

    def probe(raise_by: int, base: Run | None) -> tuple[list[str], Run]:
        done = run(arrays, share(raise_by), base)
        if done.clear:
            return free + [names[arrays.columns[index]] for index in done.sequence], done
        return mes._run(profile, satisfaction, None, mpq(raise_by), False)[0], done

    def reach(raise_by: int) -> tuple[list[str] | None, int | None]:
        """The outcome at `raise_by` if known on the way, and how many raises from it on surely give it (None: every one)."""
        sequence, distance = tracked(arrays, share(raise_by))
        if sequence is None:
            if not exact_jumps:
                return None, 1
            outcome, following = mes._run(profile, satisfaction, None, mpq(raise_by), track=True)
            return outcome, None if following is None else int(following) - raise_by
        outcome = free + [names[arrays.columns[index]] for index in sequence]
        return outcome, None if distance == math.inf else max(1, math.ceil(distance))

    def overspends(outcome: list[str]) -> bool:
        return sum((costs[project_id] for project_id in outcome), Fraction(0)) > budget

    if exact_jumps:
        return _by_jumps(reach, overspends, last_raise)
    low = 0
    low_outcome, low_run = probe(0, None)
    pending: list[tuple[int, list[str], Run]] = []
    stride = 1
    misses = wait = 0
    while True:
        if not pending:
            if low + 1 > budget:
                return low_outcome
            if float_jumps and wait == 0:
                unchanged = reach(low)[1]
                if unchanged is None or unchanged >= 2:
                    misses = 0
                    last = last_raise if unchanged is None else min(low + unchanged - 1, last_raise)
                    if last > low:
                        low = last
                        low_outcome, low_run = probe(low, None)
                    if low + 1 > budget:
                        return low_outcome
                else:
                    misses += 1
                    wait = 2 ** min(misses, 8)
            elif wait:
                wait -= 1
            high = min(low + stride, last_raise)
            pending.append((high, *probe(high, low_run)))
        high, high_outcome, high_run = pending[-1]
        if agree(low_run, high_run):
            low, low_outcome, low_run = pending.pop()
            stride = stride * 2 if not pending else stride
        elif high == low + 1:
            if overspends(high_outcome):
                return low_outcome
            low, low_outcome, low_run = pending.pop()
            stride = max(1, stride // 2) if not pending else stride
        else:
            middle = split(low, low_run, high, high_run)
            pending.append((middle, *probe(middle, low_run)))


def _by_jumps(reach, overspends, last_raise: int) -> list[str]:
    """Few distinct ballots: jump from each raise straight to the first one whose outcome may differ."""
    raise_by = 0
    previous: list[str] = []
    while raise_by <= last_raise:
        outcome, unchanged = reach(raise_by)
        assert outcome is not None
        if overspends(outcome):
            return previous
        previous = outcome
        if unchanged is None:
            return outcome
        raise_by += unchanged
    return previous
