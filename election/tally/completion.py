"""Completed equal shares, fast: floating-point runs with exact fallbacks, and ranges of raises proved at once.

The completion raises every voter's share one unit at a time and keeps the last
outcome within the budget (see `mes.completed`, the exact reference
implementation in this package). Three things make it fast here:

* A run of the Method of Equal Shares in floating point, compiled (`kernel`);
  for plain equal shares the same run in numpy (`vectorised`), which loads no Numba.
  A decision whose two sides are closer than MARGIN (relative) is not
  trusted: that raise is run exactly (`mes`).
* With few distinct ballots, jumps: each run reports how far the raise can grow
  before any of its decisions could turn out differently.
* With more, bounded runs (`kernel.bounded_run`): one run covers a whole range of
  raises, following every order of purchases the range may take. Where the
  completion stops depends only on the cost of the set bought, so a range whose
  every end set fits the budget is passed at once; where ranges cost more per raise,
  single raises by a plain run. Both stop as soon as their set surely fits or surely
  does not, and two run at once on two cores.
"""

from __future__ import annotations

import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from functools import cached_property
from typing import NamedTuple

import numpy as np

from . import compiled_kernel, vectorised
from .profile import ApprovalProfile, entries

MARGIN = 1e-8


def _exact():
    """The exact code (`mes`), imported when needed: it brings gmpy2 (0.1–0.2 s), which a clear float run does not use."""
    from . import mes

    return mes


class Run(NamedTuple):
    sequence: list[int]
    rhos: list[float]
    clear: bool


# From this many distinct ballots the compiled runs read budgets faster with the ballots renumbered
# side by side (`kernel.side_by_side`): at a million, a fifth less per run; at a hundred thousand they fit the cache.
SIDE_BY_SIDE_FROM = 200_000


class Arrays:
    """The profile as float arrays, for projects that cost something and have supporters.

    Built from the approvals' nonzero entries (ballot by ballot), not from the dense matrix:
    per project its supporters in ballot order (`indptr`, `indices`), and which projects share
    one. With `side_by_side` (the compiled kernel's runs) a large profile's ballots are numbered
    anew so that those backing the same popular projects sit side by side.
    """

    def __init__(self, profile: ApprovalProfile, satisfaction: str, side_by_side: bool = False) -> None:
        ballots, projects = entries(profile.approvals)
        counts = np.bincount(projects, weights=profile.weights[ballots], minlength=len(profile.costs)).round()
        costs = np.array([float(cost) for cost in profile.costs])
        self.free = [index for index in range(len(costs)) if counts[index] > 0 and profile.costs[index] == 0]
        self.columns = np.array([index for index in range(len(costs)) if counts[index] > 0 and profile.costs[index] > 0], dtype=np.int64)
        self.costs = costs[self.columns]
        self.utility = self.costs if satisfaction == "cost" else np.ones(len(self.columns))
        position = np.full(len(costs), -1, dtype=np.int64)
        position[self.columns] = np.arange(len(self.columns))
        kept = position[projects] >= 0
        ballots, local = ballots[kept], position[projects[kept]]
        self._entries = ballots, local
        self._ballot_weights = profile.weights.astype(np.float64)
        if side_by_side and len(profile.weights) >= SIDE_BY_SIDE_FROM:
            self.indptr, self.indices, order = compiled_kernel.load().side_by_side(
                np.ascontiguousarray(ballots, dtype=np.int64), np.ascontiguousarray(local, dtype=np.int64), len(profile.weights), len(self.columns),
            )
            self.weights = self._ballot_weights[order]
            project_of = np.repeat(np.arange(len(self.columns)), np.diff(self.indptr))
        else:
            self.weights = self._ballot_weights
            # A stable sort of 16-bit keys is numpy's radix sort: three times quicker than on 64-bit ones.
            by_project = np.argsort(local.astype(np.int16) if len(self.columns) < 2**15 else local, kind="stable")
            project_of, self.indices = local[by_project], ballots[by_project].astype(np.int32)
            self.indptr = np.searchsorted(project_of, np.arange(len(self.columns) + 1)).astype(np.int64)
        self.entry_weights = self.weights[self.indices]
        self.support = np.bincount(project_of, weights=self.entry_weights, minlength=len(self.columns))

    @property
    def kernel(self) -> tuple:
        """The arguments every run of `kernel` starts with."""
        return (len(self.weights), self.indptr, self.indices, self.entry_weights, self.costs, self.utility, self.support, self.overlap)

    @cached_property
    def overlap(self) -> np.ndarray:
        """How many voters each pair of projects shares: only the compiled kernel asks (plain equal shares in numpy does not)."""
        ballots, projects = self._entries
        return compiled_kernel.load().overlap(
            np.ascontiguousarray(ballots, dtype=np.int64), np.ascontiguousarray(projects, dtype=np.int64), self._ballot_weights, len(self.columns),
        )


def run(arrays: Arrays, share: float) -> Run:
    """Equal shares with each voter's share `share`, in floating point (see `kernel`); `clear` is False if any decision was close."""
    kernel = compiled_kernel.load()
    rounds, sequence, rhos = kernel.run(*arrays.kernel, share, MARGIN, math.inf)
    if rounds == kernel.UNCLEAR:
        return Run([], [], False)
    return Run(sequence[:rounds].tolist(), rhos[:rounds].tolist(), True)


# Below this size the exact code (`mes`, about 0.35 µs per distinct ballot and project) is as quick as the
# float run in numpy (`vectorised`: a few ms, far less per ballot); the outcome is the same either way.
EXACT_PLAIN_UP_TO = 20_000
EXACT_COMPLETION_UP_TO = 64


def equal_shares(profile: ApprovalProfile, satisfaction: str = "cost") -> list[str]:
    """Plain equal shares: exactly if the election is small, else the float run where every decision is clear, else exactly (same outcome)."""
    if profile.voters == 0:
        return []
    if len(profile.weights) * len(profile.project_ids) <= EXACT_PLAIN_UP_TO:
        return _exact().equal_shares(profile, satisfaction)
    return float_equal_shares(profile, satisfaction)


def float_equal_shares(profile: ApprovalProfile, satisfaction: str = "cost") -> list[str]:
    """Plain equal shares by the float run in numpy (no Numba to load) where every decision is clear, else exactly (same outcome)."""
    if profile.voters == 0:
        return []
    arrays = Arrays(profile, satisfaction)
    share = float(Fraction(profile.budget) / profile.voters)
    rounds, sequence = vectorised.run(arrays.indptr, arrays.indices, arrays.weights, arrays.costs, arrays.utility, arrays.support, share, MARGIN)
    if rounds == vectorised.UNCLEAR:
        return _exact().equal_shares(profile, satisfaction)
    return [profile.project_ids[index] for index in arrays.free] + [profile.project_ids[arrays.columns[index]] for index in sequence]


def tracked(arrays: Arrays, share: float) -> tuple[list[int] | None, float]:
    """A float run at one share and how far the share can rise with every decision unchanged; None if a decision was close."""
    kernel = compiled_kernel.load()
    rounds, sequence, distance = kernel.run_tracked(*arrays.kernel, share, MARGIN)
    if rounds == kernel.UNCLEAR:
        return None, 0.0
    return sequence[:rounds].tolist(), distance


# Up to this many distinct ballots, completion jumps from raise to raise, a raise the float run finds
# too close run exactly with its own exact jump; above it, ranges of raises are proved by bounded runs.
# Above the exact code's limit ranges win: on the 438 public Pabulib files of 65 to 400 distinct
# ballots jumps took up to 48 s (Amsterdam 166), ranges at most 2 s, and the same winners on every one.
EXACT_JUMPS_UP_TO = EXACT_COMPLETION_UP_TO


def completed(profile: ApprovalProfile, satisfaction: str = "cost") -> list[str]:
    """The cities' completion by float runs (`float_completed`); exactly (`mes.completed`) for a few distinct
    ballots while the kernel is not built, so that a rehearsal's count does not wait for the build (about 10 s).
    Once built, float jumps take a few milliseconds where the exact code takes a few hundred (50 voters, 20 projects)."""
    if len(profile.weights) <= EXACT_COMPLETION_UP_TO and compiled_kernel.ready() is None:
        return _exact().completed(profile, satisfaction)
    return float_completed(profile, satisfaction)


def float_completed(profile: ApprovalProfile, satisfaction: str = "cost", by_ranges: bool | None = None) -> list[str]:
    """The same outcome as `mes.completed` (raise one unit at a time, keep the last outcome within the budget), by jumps or ranges.

    * Jumps to where a decision could first change (few distinct ballots). Every
      budget in a run is an affine function of the raise, so every decision the
      run makes holds until its two sides cross; the run reports the nearest
      crossing (`kernel.run_tracked`, rounding allowed for).
    * Ranges (many distinct ballots, or `by_ranges`): there who pays in full, and
      the order of purchases, change every few units, but the set bought does not;
      `_by_ranges` proves whole ranges within the budget.
    """
    if profile.voters == 0:
        return []
    arrays = Arrays(profile, satisfaction, side_by_side=True)
    names = profile.project_ids
    budget = Fraction(profile.budget)
    last_raise = math.floor(budget)
    costs = dict(zip(names, (Fraction(cost) for cost in profile.costs)))
    free = [names[index] for index in arrays.free]
    if by_ranges is None:
        by_ranges = len(profile.weights) > EXACT_JUMPS_UP_TO

    def share(raise_by: int) -> float:
        return float((budget + profile.voters * raise_by) / profile.voters)

    def outcome_at(raise_by: int) -> list[str]:
        done = run(arrays, share(raise_by))
        if done.clear:
            return free + [names[arrays.columns[index]] for index in done.sequence]
        mes = _exact()
        return mes._run(profile, satisfaction, None, mes.mpq(raise_by), False)[0]

    def reach(raise_by: int) -> tuple[list[str], int | None]:
        """The outcome at `raise_by`, and how many raises from it on surely give it (None: every one)."""
        sequence, distance = tracked(arrays, share(raise_by))
        if sequence is None:
            mes = _exact()
            outcome, following = mes._run(profile, satisfaction, None, mes.mpq(raise_by), track=True)
            return outcome, None if following is None else int(following) - raise_by
        outcome = free + [names[arrays.columns[index]] for index in sequence]
        return outcome, None if distance == math.inf else max(1, math.ceil(distance))

    def overspends(outcome: list[str]) -> bool:
        return sum((costs[project_id] for project_id in outcome), Fraction(0)) > budget

    if by_ranges:
        return _by_ranges(arrays, profile, satisfaction, share, outcome_at, overspends, last_raise)
    return _by_jumps(reach, overspends, last_raise)


def _by_jumps(reach, overspends, last_raise: int) -> list[str]:
    """Few distinct ballots: jump from each raise straight to the first one whose outcome may differ."""
    raise_by = 0
    previous: list[str] = []
    while raise_by <= last_raise:
        outcome, unchanged = reach(raise_by)
        if overspends(outcome):
            return previous
        previous = outcome
        if unchanged is None:
            return outcome
        raise_by += unchanged
    return previous


# How many states and end sets a bounded run may follow before the range is split instead.
WIDTH = 8
# A range this short whose end sets may overspend is stepped through raise by raise.
STEP_UP_TO = 16
# After a range grew too wide, later ranges grow to at most this many eighths of it.
GROW_AFTER_FAILURE = 4
# Whichever of ranges and single raises costs more per raise is tried again every this many probes.
RETRY_AFTER = 8


def bounded_room(ballots: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows `kernel.bounded_run` keeps its states' budgets in (two per state and end), made once per thread."""
    return np.empty((2 * WIDTH, ballots)), np.empty((2 * WIDTH, ballots))


class Verdict(NamedTuple):
    fits: bool
    overspends: bool
    bounded: bool


def _exact_sums(costs: list[Fraction], budget: Fraction):
    """Which sets of projects (rows of booleans) cost more than the budget, exactly: in whole numbers of the
    smallest unit when they fit in 64 bits (a matrix product), else in fractions."""
    unit = math.lcm(budget.denominator, *(cost.denominator for cost in costs))
    scaled = [int(cost * unit) for cost in costs]
    limit = int(budget * unit)
    if sum(scaled) < 2**62:
        column = np.array(scaled, dtype=np.int64)
        return lambda sets: sets.astype(np.int64) @ column > limit
    return lambda sets: np.array([sum((costs[index] for index in np.nonzero(row)[0]), Fraction(0)) > budget for row in sets], dtype=bool)


def _workers() -> int:
    """Two probes at once where the process may use two cores (the kernel lets go of the GIL)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 2 if cores > 1 else 1


class Probes:
    """The two ways to learn on which side of the budget raises end: a whole range at once, or one raise."""

    def __init__(self, arrays: Arrays, profile: ApprovalProfile, satisfaction: str, share, overspends) -> None:
        self.arrays, self.profile, self.satisfaction, self.share, self.overspends = arrays, profile, satisfaction, share, overspends
        self.spent_by = _exact_sums([Fraction(profile.costs[index]) for index in arrays.columns], Fraction(profile.budget))
        self.budget = float(profile.budget)
        self._room = threading.local()

    def range(self, first: int, last: int) -> Verdict:
        """Whether every raise from first to last surely stays within the budget, or surely overspends (`kernel.bounded_run`)."""
        kernel = compiled_kernel.load()
        if not hasattr(self._room, "rows"):
            self._room.rows = bounded_room(len(self.arrays.weights))
        status, leaves, count = kernel.bounded_run(*self.arrays.kernel, self.share(first), self.share(last), MARGIN, WIDTH, self.budget, *self._room.rows)
        if status != kernel.BOUNDED:
            return Verdict(False, False, False)
        over = self.spent_by(leaves[: 2 * count])
        return Verdict(not over[1::2].any(), bool(over[0::2].all()), True)

    def single(self, raise_by: int) -> Verdict:
        """Whether the raise stays within the budget, by a plain run that stops once it knows; exactly where the floats cannot tell."""
        kernel = compiled_kernel.load()
        rounds, sequence, _ = kernel.run(*self.arrays.kernel, self.share(raise_by), MARGIN, self.budget)
        if rounds == kernel.UNCLEAR:
            mes = _exact()
            fits = not self.overspends(mes._run(self.profile, self.satisfaction, None, mes.mpq(raise_by), False)[0])
        elif rounds in (kernel.FITS, kernel.OVERSPENDS):
            fits = rounds == kernel.FITS
        else:
            bought = np.zeros((1, len(self.arrays.costs)), dtype=bool)
            bought[0, sequence[:rounds]] = True
            fits = not self.spent_by(bought)[0]
        return Verdict(fits, not fits, True)


def _by_ranges(arrays: Arrays, profile: ApprovalProfile, satisfaction: str, share, outcome_at, overspends, last_raise: int) -> list[str]:
    """Many distinct ballots: find the first raise that overspends, proving the raises before it within the budget.

    Two kinds of probe, two at a time on two cores:

    * a bounded run (`kernel.bounded_run`) covers a whole range of raises: only the
      set bought decides where the completion stops, not the order, and a bounded run
      follows every order the range may buy in, so a range whose every end set fits is
      passed at once. Ranges grow by a half while that holds and halve when a run grows
      too wide;
    * a plain run at one raise that stops as soon as its set surely fits or surely does
      not (`kernel.run` with the budget; a raise the float run cannot decide is run exactly).

    Ranges are used while they cost less per raise passed than single raises do; a short
    range that may overspend is stepped through raise by raise. A probe run beside one that
    failed still counts: a range it proved within the budget is passed when reached, and one
    that surely overspends ends the search before it.
    """
    probe = Probes(arrays, profile, satisfaction, share, overspends)

    def timed(planned: tuple[int, int, bool]) -> tuple[Verdict, float]:
        started = time.perf_counter()
        first, last, ranged = planned
        found = probe.range(first, last) if ranged else probe.single(first)
        return found, time.perf_counter() - started

    low = 0
    stride = 1
    failed = last_raise
    proven: dict[int, int] = {}

    def before_proven(first: int) -> int:
        """The last raise from `first` on before a range already proved (or the last raise)."""
        return min([last_raise] + [start - 1 for start in proven if start > first])

    def reach(passed: int) -> int:
        """How far the raises are proved within the budget, given every one up to `passed` is."""
        for start, end in sorted(proven.items()):
            if start <= passed + 1:
                passed = max(passed, end)
        return passed
    step_until = 0
    cost = _Costs()
    workers = _workers()
    with ThreadPoolExecutor(workers) as pool:
        while low < last_raise:
            stepping = low < step_until or cost.stepping()
            if stepping:
                end = min(low + workers, last_raise)
                planned = [(first, first, False) for first in range(low + 1, end + 1)]
            else:
                high = min(low + stride, before_proven(low + 1))
                planned = [(low + 1, high, high > low + 1)]
                after = reach(high)
                if workers > 1 and after < last_raise:
                    following = max(stride + 1, min(stride * 3 // 2, failed * GROW_AFTER_FAILURE // 8))
                    planned.append((after + 1, min(after + following, before_proven(after + 1)), True))
            for (first, last, ranged), (found, seconds) in zip(planned, pool.map(timed, planned)):
                if first != low + 1:
                    # A probe beside one that failed: what it proved still holds.
                    if found.fits:
                        proven[first] = last
                    elif found.overspends:
                        last_raise = max(low, min(last_raise, first - 1))
                    continue
                cost.record(ranged, seconds, last - low if found.fits else 0)
                if found.fits:
                    low = reach(last)
                    for start in [start for start, end in proven.items() if end <= low]:
                        del proven[start]
                    if not stepping:
                        stride = max(stride + 1, min(stride * 3 // 2, failed * GROW_AFTER_FAILURE // 8))
                    continue
                if found.overspends:
                    return outcome_at(low)
                if found.bounded and last - low <= STEP_UP_TO or last == low + 1:
                    step_until = last
                else:
                    failed = last - low
                    stride = max(1, (last - low) // 2)
    return outcome_at(low)


class _Costs:
    """What a raise passed has cost lately by ranges and by single raises (seconds), to choose between them.

    The first probe of each kind is not counted: it loads the compiled kernel. The dearer
    kind is tried again after every few probes of the cheaper one, as costs change with the raise.
    """

    def __init__(self) -> None:
        self.per_raise = {True: 0.0, False: math.inf}
        self.pending = {True: 0.0, False: 0.0}
        self.seen = {True: 0, False: 0}
        self.since_dearer = 0

    def _ranges_cheaper(self) -> bool:
        return self.per_raise[True] <= self.per_raise[False]

    def record(self, ranged: bool, seconds: float, passed: int) -> None:
        self.since_dearer = self.since_dearer + 1 if ranged == self._ranges_cheaper() else 0
        self.seen[ranged] += 1
        if self.seen[ranged] == 1:
            return
        self.pending[ranged] += seconds
        if passed:
            self.per_raise[ranged] = self.pending[ranged] / passed
            self.pending[ranged] = 0.0

    def stepping(self) -> bool:
        """Whether the next probes should be single raises."""
        return self._ranges_cheaper() == (self.since_dearer >= RETRY_AFTER)
