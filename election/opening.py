"""The count as a pure step: open sealed ballots, check them, shuffle, and count under the package's rule.

The office gathers its inputs (sealed station records, agreed paper ballots,
imported ballots) and saves what comes back; nothing here touches a database,
so the same inputs give the same outcome wherever they are counted. Opening is
the costly part at scale, so it works on chunks that a process pool can share.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from . import envelope
from .package import canonical_json
from .rules import Ballot, BallotRule
from .tally import outcome as outcomes

UNOPENABLE = "unopenable"
CHANNELS = ("station", "paper", "import")
CHUNK = 2_000

Progress = Callable[[str, int, int], None]


Checked = tuple[str | None, str | None, str | None]
"""What opening and checking one station record gives: (canonical choices or None, why it is invalid or None, tracking code if valid)."""


@dataclass
class Counted:
    """What a count found, before it is saved: the outcome and the shuffled, unlinked ballots."""

    result: dict[str, Any]
    opened: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def open_chunk(private_key: bytes, election_id: str, rule: BallotRule, items: Sequence[tuple[str, str, str, str]]) -> list[Checked]:
    """Open and check (sealed, device id, ballot id, record hash) items with the raw sealing key, in order.

    A top-level function of plain arguments returning small tuples, so a
    process pool can run it with little to carry either way.
    """
    opener = envelope.Opener(X25519PrivateKey.from_private_bytes(private_key), election_id)
    known: dict[str, Checked] = {}
    checked: list[Checked] = []
    for sealed, device_id, ballot_id, record_hash in items:
        try:
            choices = opener.open(sealed, device_id, ballot_id)
        except envelope.EnvelopeError:
            checked.append((None, UNOPENABLE, None))
            continue
        text, reason = check_choices(rule, choices, known)
        checked.append((text, reason, envelope.tracking_code(record_hash) if text is not None else None))
    return checked


def check_choices(rule: BallotRule, choices: Any, known: dict[str, Checked]) -> tuple[str | None, str | None]:
    """(canonical choices, None) of a valid ballot, else (None, the reason); choices seen before are looked up, not checked again."""
    try:
        seen_as = json.dumps(choices, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        seen_as = None
    found = known.get(seen_as) if seen_as is not None else None
    if found is None:
        ballot, reason = outcomes.check(rule, choices)
        found = (None, reason or outcomes.UNREADABLE, None) if ballot is None else (canonical_json(ballot.as_choices(rule.kind)).decode("utf-8"), None, None)
        if seen_as is not None:
            known[seen_as] = found
    return found[0], found[1]


def shuffled(items: list[Any]) -> list[Any]:
    """The items in an order drawn from the operating system's randomness: sorted by 128 random bits each
    (a uniform permutation but for ties, about one in 10^26 for a million), far cheaper than a draw per swap."""
    high, low = (np.frombuffer(os.urandom(8 * len(items)), dtype=np.uint64) for _ in range(2))
    return [items[index] for index in np.lexsort((low, high))]


def weighted_scores(rule: BallotRule, project_ids: Sequence[str], ballots: Iterable[tuple[Ballot, int]]) -> Counter[str]:
    """`outcomes.scores` of ballots given with how many times each was cast."""
    total: Counter[str] = Counter({project_id: 0 for project_id in project_ids})
    for ballot, times in ballots:
        for project_id, score in outcomes.scores(rule, project_ids, [ballot]).items():
            total[project_id] += score * times
    return total


def chunks(items: Sequence[Any], size: int | None = None) -> list[Sequence[Any]]:
    size = size or CHUNK
    return [items[start : start + size] for start in range(0, len(items), size)]


def count(
    rule: BallotRule,
    counting_rule: str,
    project_ids: Sequence[str],
    station: Iterable[Checked],
    others: Sequence[tuple[str, str]],
    progress: Progress | None = None,
) -> Counted:
    """Check every other ballot (channel, choices text), shuffle them with the checked station records, then count the valid ones.

    The ballots are shuffled before anything is kept, so no stored position
    links a ballot to its record.
    """
    known: dict[str, Checked] = {}
    items: list[tuple[str, str | None, str | None, str | None]] = [("station", *checked) for checked in station]
    for channel, text in others:
        try:
            choices = json.loads(text)
        except ValueError:
            choices = None
        items.append((channel, *check_choices(rule, choices, known), None))
    total = len(items)
    items = shuffled(items)

    ballots: dict[str, Ballot] = {}
    distinct: dict[str, Counter[str]] = {channel: Counter() for channel in CHANNELS}
    valid: dict[str, list[Ballot]] = {channel: [] for channel in CHANNELS}
    invalid: dict[str, Counter[str]] = {channel: Counter() for channel in CHANNELS}
    result = Counted(result={})
    for done, (channel, text, reason, code) in enumerate(items, start=1):
        if text is None:
            invalid[channel][reason or outcomes.UNREADABLE] += 1
        else:
            ballot = ballots.get(text)
            if ballot is None:
                ballot = ballots[text] = Ballot.from_choices(json.loads(text))
            valid[channel].append(ballot)
            distinct[channel][text] += 1
            if code is not None:
                result.codes.append(code)
        if progress is not None and (done % 50_000 == 0 or done == total):
            progress("checking", done, total)
    result.opened = [(channel, text, reason) for channel, text, reason, _ in items]
    del items
    if progress is not None:
        progress("counting", total, total)
    every_valid = [ballot for channel in CHANNELS for ballot in valid[channel]]
    every_invalid = sum(invalid.values(), Counter())
    result.result = outcomes.count(rule, counting_rule, project_ids, every_valid, every_invalid).as_dict()
    result.result["channels"] = {
        channel: {
            "valid": len(valid[channel]),
            "invalid": sum(invalid[channel].values()),
            "scores": dict(weighted_scores(rule, project_ids, [(ballots[text], times) for text, times in distinct[channel].items()])),
        }
        for channel in CHANNELS
    }
    return result
