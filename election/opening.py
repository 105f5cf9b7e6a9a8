"""The count as a pure step: open sealed ballots, check them, shuffle, and count under the package's rule.

The office gathers its inputs (sealed station records, agreed paper ballots,
imported ballots) and saves what comes back; nothing here touches a database,
so the same inputs give the same outcome wherever they are counted. Opening is
the costly part at scale, so it works on chunks that a process pool can share.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from . import envelope
from .package import canonical_json
from .rules import Ballot, BallotRule
from .tally import outcome as outcomes

UNOPENABLE = "unopenable"
CHANNELS = ("station", "paper", "import")
CHUNK = 2_000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Sealed:
    """A station's record as the count needs it: the sealed choices and what binds them to the record."""

    sealed: str
    device_id: str
    ballot_id: str
    record_hash: str


@dataclass(frozen=True)
class Unusable:
    """A stored record whose fields the count cannot use: counted invalid with this reason, never opened."""

    reason: str


@dataclass
class Counted:
    """What a count found, before it is saved: the outcome and the shuffled, unlinked ballots."""

    result: dict[str, Any]
    opened: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def open_chunk(private_key: bytes, election_id: str, items: Sequence[tuple[str, str, str]]) -> list[dict[str, Any] | None]:
    """Open (sealed, device id, ballot id) triples with the raw sealing key; None where a ballot cannot be opened.

    A top-level function of plain arguments, so a process pool can run it.
    """
    key = X25519PrivateKey.from_private_bytes(private_key)
    opened: list[dict[str, Any] | None] = []
    for sealed, device_id, ballot_id in items:
        try:
            opened.append(envelope.open_sealed(sealed, key, election_id, device_id, ballot_id))
        except envelope.EnvelopeError:
            opened.append(None)
    return opened


def chunks(records: Sequence[Sealed], size: int | None = None) -> list[list[tuple[str, str, str]]]:
    size = size or CHUNK
    return [[(item.sealed, item.device_id, item.ballot_id) for item in records[start : start + size]] for start in range(0, len(records), size)]


def count(
    rule: BallotRule,
    counting_rule: str,
    project_ids: Sequence[str],
    records: Sequence[Sealed],
    opened: Iterable[dict[str, Any] | None],
    others: Sequence[tuple[str, str]],
    progress: Progress | None = None,
    unusable: Sequence[str] = (),
) -> Counted:
    """Check every opened record and every other ballot (channel, choices text), then count the valid ones.

    `opened` holds the opened choices of `records`, in the same order. The
    ballots are shuffled before anything is kept, so no stored position links
    a ballot to its record.
    """
    total = len(records) + len(others) + len(unusable)
    items: list[tuple[str, Any, str | None]] = [("station", Unusable(reason), None) for reason in unusable]
    for record, choices in zip(records, opened, strict=True):
        items.append(("station", choices if choices is not None else UNOPENABLE, envelope.tracking_code(record.record_hash)))
    for channel, text in others:
        items.append((channel, json.loads(text), None))
    secrets.SystemRandom().shuffle(items)

    valid: dict[str, list[Ballot]] = {channel: [] for channel in CHANNELS}
    invalid: dict[str, Counter[str]] = {channel: Counter() for channel in CHANNELS}
    result = Counted(result={})
    for done, (channel, choices, code) in enumerate(items, start=1):
        if isinstance(choices, Unusable):
            ballot, reason = None, choices.reason
        elif choices == UNOPENABLE:
            ballot, reason = None, UNOPENABLE
        else:
            ballot, reason = outcomes.check(rule, choices)
        if ballot is None:
            invalid[channel][reason or outcomes.UNREADABLE] += 1
            result.opened.append((channel, None, reason))
        else:
            valid[channel].append(ballot)
            result.opened.append((channel, canonical_json(ballot.as_choices(rule.kind)).decode("utf-8"), None))
            if code is not None:
                result.codes.append(code)
        if progress is not None and (done % 1000 == 0 or done == total):
            progress("checking", done, total)
    if progress is not None:
        progress("counting", total, total)
    every_valid = [ballot for channel in CHANNELS for ballot in valid[channel]]
    every_invalid = sum(invalid.values(), Counter())
    result.result = outcomes.count(rule, counting_rule, project_ids, every_valid, every_invalid).as_dict()
    result.result["channels"] = {
        channel: {
            "valid": len(valid[channel]),
            "invalid": sum(invalid[channel].values()),
            "scores": dict(outcomes.scores(rule, project_ids, valid[channel])),
        }
        for channel in CHANNELS
    }
    return result
