"""The count: shuffle the accepted records, open and strip them, check each, count, and keep the outcome with a hash of its inputs.

Paper ballots that two people typed alike and imported votes are counted
with them, each ballot marked with its channel. Nothing a count stores links a ballot to its record: counted ballots keep their
choices alone, in shuffled order, and the counted tracking codes live in a table
of their own. Two counts of the same inputs must agree; when they do not, the
later one names the earlier and every page that shows it says so.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ...election import envelope, keys
from ...election.package import canonical_json
from ...election.rules import Ballot
from ...election.tally import outcome as outcomes
from ...web.sqlite import writing
from .. import fields
from . import channels, store
from .extensions import db
from .models import Count, CountedBallot, CountedCode, Device, Record

UNOPENABLE = "unopenable"
CHANNELS = ("station", "paper", "import")
BATCH = 5_000
Progress = Callable[[int], None]


class CountError(Exception):
    """The count cannot start; the message says what to do."""


def read_sealing_key(path: Path, passphrase: str | None) -> X25519PrivateKey:
    """The office's sealing key, checked against the election it is meant to open."""
    try:
        key = keys.read_private(path, passphrase or None)
    except keys.KeyFileError as error:
        raise CountError(str(error)) from None
    if not isinstance(key, X25519PrivateKey):
        raise CountError(f"{path} is not a sealing key (X25519)")
    package = store.election()
    if package is not None and keys.public_text(key) != package.sealing_key:
        raise CountError(f"{path} is not the sealing key of election {package.id}: its public half differs from the package's")
    return key


@dataclass(frozen=True)
class Unusable:
    """A stored record the count cannot use (a field out of shape): counted invalid with this reason."""

    reason: str


@dataclass(frozen=True)
class Included:
    sealed: str
    device_id: str
    ballot_id: str
    record_hash: str


def run(sealing_key: X25519PrivateKey, counted_by: str, now: datetime, progress: Progress | None = None) -> Count:
    """Count every accepted record once (a reused voting code counts once, by the audit's rule)."""
    package = store.election()
    if package is None:
        raise CountError("this office has no election loaded; load the package first")
    if keys.public_text(sealing_key) != package.sealing_key:
        raise CountError(f"this is not the sealing key of election {package.id}")
    left_out = sorted(row.ballot_id for group in store.code_duplicates() for row in group["not_counted"])
    excluded = set(left_out)
    station_of = {row.device_id: row.station_name for row in db.session.execute(sa.select(Device.device_id, Device.station_name))}
    counting_rule = package.document["counting"]["rule"]

    package_sha256 = store.election_sha256()
    inputs = hashlib.sha256(canonical_json({"package": package_sha256, "counting_rule": counting_rule, "left_out": left_out}))
    included: list[tuple[str, Included | Unusable | str]] = []
    per_station: Counter[str] = Counter()
    per_day: Counter[str] = Counter()
    query = sa.select(
        Record.sealed, Record.device_id, Record.ballot_id, Record.record_hash, Record.cast_minute, Record.sequence, Record.code_hash
    ).order_by(Record.record_hash)
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        if row.ballot_id in excluded:
            continue
        inputs.update(row.record_hash.encode("utf-8"))
        problem = fields.record_problem(row.device_id, row.sequence, row.ballot_id, row.sealed, row.cast_minute, row.code_hash)
        if problem is not None:
            included.append(("station", Unusable(problem)))
            per_station[station_of.get(row.device_id, row.device_id)] += 1
            continue
        included.append(("station", Included(row.sealed, row.device_id, row.ballot_id, row.record_hash)))
        per_station[station_of.get(row.device_id, row.device_id)] += 1
        per_day[_local_day(row.cast_minute, package.timezone)] += 1
    for sheet, choices in channels.agreed_paper_ballots():
        inputs.update(canonical_json(["paper", sheet, choices]))
        included.append(("paper", choices))
    for file_hash, choices in channels.imported_ballots():
        inputs.update(canonical_json(["import", file_hash, choices]))
        included.append(("import", choices))
    input_hash = inputs.hexdigest()

    secrets.SystemRandom().shuffle(included)
    opened: list[tuple[str, str | None, str | None]] = []
    valid: dict[str, list[Ballot]] = {channel: [] for channel in CHANNELS}
    invalid: dict[str, Counter[str]] = {channel: Counter() for channel in CHANNELS}
    codes = []
    for done, (channel, item) in enumerate(included, start=1):
        ballot, reason = _open(item, sealing_key, package)
        if ballot is None:
            invalid[channel][reason] += 1
            opened.append((channel, None, reason))
        else:
            valid[channel].append(ballot)
            opened.append((channel, canonical_json(ballot.as_choices(package.rule.kind)).decode("utf-8"), None))
            if isinstance(item, Included):
                codes.append(envelope.tracking_code(item.record_hash))
        if progress is not None and done % 1000 == 0:
            progress(1000)
    if progress is not None and len(included) % 1000:
        progress(len(included) % 1000)
    del included

    project_ids = [project.id for project in package.projects]
    every_valid = [ballot for channel in CHANNELS for ballot in valid[channel]]
    every_invalid = sum(invalid.values(), Counter())
    result = outcomes.count(package.rule, counting_rule, project_ids, every_valid, every_invalid).as_dict()
    result.update(
        election_id=package.id,
        package_sha256=package_sha256,
        input_hash=input_hash,
        received=sum(per_station.values()) + len(left_out),
        left_out_duplicates=len(left_out),
        channels={
            channel: {
                "valid": len(valid[channel]),
                "invalid": sum(invalid[channel].values()),
                "scores": dict(outcomes.scores(package.rule, project_ids, valid[channel])),
            }
            for channel in CHANNELS
        },
        turnout={"stations": dict(sorted(per_station.items())), "days": dict(sorted(per_day.items()))},
    )
    outcome_hash = hashlib.sha256(canonical_json(result)).hexdigest()
    earlier = db.session.scalars(
        sa.select(Count).where(Count.input_hash == input_hash, Count.outcome_hash != outcome_hash).order_by(Count.id)
    ).first()
    with writing(db.session):
        count = Count(
            at=now, counted_by=counted_by, counting_rule=counting_rule, input_hash=input_hash, outcome_hash=outcome_hash,
            outcome=json.dumps(result, ensure_ascii=False, sort_keys=True), differs_from=earlier.id if earlier else None,
        )
        db.session.add(count)
        db.session.flush()
        for start in range(0, len(opened), BATCH):
            db.session.execute(
                sa.insert(CountedBallot),
                [
                    {"count_id": count.id, "position": start + offset, "channel": channel, "choices": choices, "invalid_reason": reason}
                    for offset, (channel, choices, reason) in enumerate(opened[start : start + BATCH])
                ],
            )
        for start in range(0, len(codes), BATCH):
            db.session.execute(sa.insert(CountedCode), [{"count_id": count.id, "code": code} for code in sorted(codes)[start : start + BATCH]])
    return count


def _open(item: Included | Unusable | str, sealing_key: X25519PrivateKey, package: Any) -> tuple[Ballot | None, str | None]:
    """A station's sealed record opened and checked, or a paper or imported ballot checked."""
    if isinstance(item, Unusable):
        return None, item.reason
    if isinstance(item, str):
        return outcomes.check(package.rule, json.loads(item))
    try:
        choices = envelope.open_sealed(item.sealed, sealing_key, package.id, item.device_id, item.ballot_id)
    except envelope.EnvelopeError:
        return None, UNOPENABLE
    return outcomes.check(package.rule, choices)


def _local_day(minute: str, zone: Any) -> str:
    moment = datetime.strptime(minute, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
    return moment.astimezone(zone).date().isoformat()


# Reading counts back -----------------------------------------------------------------


def get(count_id: int) -> Count | None:
    return db.session.get(Count, count_id)


def latest_published() -> Count | None:
    return db.session.scalars(sa.select(Count).where(Count.published_at.is_not(None)).order_by(Count.published_at.desc(), Count.id.desc())).first()


def all_counts() -> list[Count]:
    return list(db.session.scalars(sa.select(Count).order_by(Count.id.desc())))


def publish(count_id: int, now: datetime) -> Count:
    count = db.session.get(Count, count_id)
    if count is None:
        raise LookupError(f"there is no count {count_id}")
    if count.differs_from is not None:
        raise CountError(f"count {count_id} differs from count {count.differs_from} of the same inputs; it cannot be published")
    with writing(db.session):
        count.published_at = now
    return count


def outcome(count: Count) -> dict[str, Any]:
    return json.loads(count.outcome)


def counted_ballots(count: Count) -> list[tuple[str, dict[str, Any]]]:
    """The valid ballots of a count in their shuffled order, as (channel, choices)."""
    rows = db.session.execute(
        sa.select(CountedBallot.channel, CountedBallot.choices)
        .where(CountedBallot.count_id == count.id, CountedBallot.choices.is_not(None))
        .order_by(CountedBallot.position)
    )
    return [(channel, json.loads(choices)) for channel, choices in rows]


def tracking_codes(count: Count) -> list[str]:
    return list(db.session.scalars(sa.select(CountedCode.code).where(CountedCode.count_id == count.id).order_by(CountedCode.code)))


def was_counted(count: Count, code: str) -> bool:
    return db.session.get(CountedCode, (count.id, code)) is not None
