"""Every query and every transaction of the station: nothing else writes to its database.

Writers run in BEGIN IMMEDIATE transactions (see sqlite.py), so the ballot
chain's head is read and extended by one writer at a time, and a ballot is
either committed with its receipt or not stored at all.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app, g
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from ..election import closing, envelope, merkle, package as packages, participation, rules
from ..sync.bundle import SignedRecord
from ..web.clock import now
from ..web.sqlite import writing as sqlite_writing
from . import pin as pins
from .extensions import db
from .models import (  # noqa: F401 (re-exported for tests)
    BallotRecord,
    Event,
    LoadedPackage,
    PairingCode,
    ParticipationCounter,
    SpentCheckIn,
    Station,
    SyncState,
    Tablet,
)

MAX_TABLETS = 40
ACTIVATION_MINUTES = 10
CLOCK_TOLERANCE = timedelta(minutes=2)



class StationError(Exception):
    """A request the station refuses in its current state; `reason` names why."""

    status = 409

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


class InvalidBallot(StationError):
    status = 422

    def __init__(self, violations: list[rules.Violation]) -> None:
        super().__init__("invalid_ballot")
        self.violations = violations


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; they were stored in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def writing() -> Any:
    """One write transaction that holds the database's write lock from its start."""
    return sqlite_writing(db.session)


def log(kind: str, **detail: Any) -> None:
    """Add an event to the current transaction. Callers never pass ballot content."""
    db.session.execute(sa.insert(Event).values(kind=kind, detail=json.dumps(detail, sort_keys=True)))


def station() -> Station:
    row = db.session.get(Station, 1)
    if row is None:
        raise RuntimeError("the station is not set up: run its migrations first")
    return row


def ensure_station(name: str, device_id: str) -> Station:
    """Create the settings row on first start; later starts keep what is there."""
    with writing():
        row = db.session.get(Station, 1)
        if row is None:
            db.session.add(Station(id=1, name=name, device_id=device_id, polls="closed", failed_pin_attempts=0))
            log("station_created", device_id=device_id, name=name)
        elif row.name != name:
            row.name = name
    return station()


# The package ---------------------------------------------------------------


def current_package() -> packages.ElectionPackage | None:
    """The loaded package, verified once per process, cached by its hash, looked up once per request."""
    if "vallokal_package" not in g:
        g.vallokal_package = _signed_package()
    return g.vallokal_package.package if g.vallokal_package else None


def _signed_package() -> packages.SignedPackage | None:
    digest = g.pop("vallokal_package_digest") if "vallokal_package_digest" in g else db.session.scalar(sa.select(LoadedPackage.sha256))
    if digest is None:
        return None
    cache = current_app.extensions.setdefault("vallokal_package_cache", packages.PackageCache())
    return cache.get(digest, lambda: db.session.get(LoadedPackage, 1).file, current_app.config["AUTHORITY_KEY"])


def package_asset(name: str) -> bytes | None:
    current_package()
    return g.vallokal_package.assets.get(name) if g.vallokal_package else None


def load_package(file: bytes, now: datetime) -> packages.ElectionPackage:
    """Verify and install a package; refuse to swap packages once ballots exist."""
    trusted = current_app.config["AUTHORITY_KEY"]
    if not trusted:
        raise packages.PackageError("config: AUTHORITY_KEY is not set, so no package can be trusted")
    signed = packages.read_file(file, trusted)
    packages.check_window(signed.package, now)
    digest = signed.package.hash
    with writing():
        row = db.session.get(LoadedPackage, 1)
        if row is not None and row.sha256 == digest:
            return signed.package
        if ballots_cast() and row is not None:
            raise packages.PackageError(
                f"package: ballots were already cast under package {row.election_id}; "
                "close this station's vote before loading another"
            )
        if row is None:
            db.session.add(LoadedPackage(id=1, election_id=signed.package.id, sha256=digest, file=file))
        else:
            row.election_id, row.sha256, row.file, row.loaded_at = signed.package.id, digest, file, now
        log("package_loaded", election_id=signed.package.id, sha256=digest)
    g.pop("vallokal_package", None)
    return signed.package


# PINs ----------------------------------------------------------------------


def set_pin(pin: str) -> None:
    if not pins.valid_pin(pin):
        raise ValueError(f"a PIN is {pins.MIN_LENGTH} to {pins.MAX_LENGTH} digits")
    hashed = pins.hash_pin(pin)
    with writing():
        row = station()
        row.pin_hash, row.failed_pin_attempts, row.pin_locked_until = hashed, 0, None
        log("pin_changed")


@dataclass(frozen=True)
class PinResult:
    accepted: bool
    locked_until: datetime | None = None
    attempts_left: int | None = None


def try_pin(pin: str, now: datetime) -> bool:
    """Check a staff PIN. Lock-out is per client and purpose (lockout.py), never for the whole station."""
    row = station()
    if row.pin_hash and pins.check_pin(pin, row.pin_hash):
        return True
    with writing():
        log("pin_failed")
    return False


# Polls and reports ---------------------------------------------------------


def ballots_cast() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BallotRecord)) or 0


def chain_head() -> str | None:
    return db.session.scalar(sa.select(BallotRecord.record_hash).order_by(BallotRecord.sequence.desc()).limit(1))


def report(kind: str, now: datetime) -> dict[str, Any]:
    """The facts a zero or closing report attests, as printed and as put in its QR code."""
    package = current_package()
    row = station()
    return {
        "report": kind,
        "station": row.name,
        "device_id": row.device_id,
        "election_id": package.id if package else None,
        "package_sha256": package.hash if package else None,
        "ballots_cast": ballots_cast(),
        "chain_head": chain_head(),
        "at": now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def open_polls(now: datetime) -> dict[str, Any]:
    with writing():
        if current_package() is None:
            raise StationError("no_package")
        row = station()
        if row.polls == "open":
            raise StationError("already_open")
        row.polls = "open"
        facts = report("zero" if ballots_cast() == 0 else "reopening", now)
        log("polls_opened", **facts)
    return facts


def close_polls(now: datetime) -> dict[str, Any]:
    with writing():
        row = station()
        if row.polls != "open":
            raise StationError("already_closed")
        row.polls = "closed"
        facts = signed_closing_report(report("closing", now))
        log("polls_closed", **facts)
    return facts


def first_zero_report_minute() -> str | None:
    """The minute (UTC) of the station's first zero report, for the office's checks of what was cast before it."""
    details = db.session.scalars(sa.select(Event.detail).where(Event.kind == "polls_opened").order_by(Event.id))
    for detail in details:
        facts = json.loads(detail)
        if facts.get("report") == "zero" and isinstance(facts.get("at"), str):
            return facts["at"][:16] + "Z"
    return None


def package_loaded_minute() -> str | None:
    loaded_at = as_utc(db.session.scalar(sa.select(LoadedPackage.loaded_at)))
    return loaded_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ") if loaded_at else None
def signed_closing_report(facts: dict[str, Any]) -> dict[str, Any]:
    """The closing facts with the root over every record's hash, sorted, signed by this device."""
    hashes = db.session.scalars(sa.select(BallotRecord.record_hash)).all()
    return closing.sign({**facts, "merkle_root": merkle.root(hashes)}, current_app.extensions["vallokal_device_key"])


def last_report(kind: str) -> dict[str, Any] | None:
    detail = db.session.scalar(sa.select(Event.detail).where(Event.kind == kind).order_by(Event.id.desc()).limit(1))
    return json.loads(detail) if detail else None


def zero_report() -> dict[str, Any] | None:
    """The latest report of polls opening with no ballot cast: it stays reachable after a reopening."""
    for detail in db.session.scalars(sa.select(Event.detail).where(Event.kind == "polls_opened").order_by(Event.id.desc())):
        facts = json.loads(detail) if detail else None
        if facts and facts.get("report") == "zero":
            return facts
    return None


def recent_events(limit: int = 50) -> list[Event]:
    return list(db.session.scalars(sa.select(Event).order_by(Event.id.desc()).limit(limit)))


def voting_refusal(now: datetime) -> str | None:
    """Why a voter cannot start now, or None when voting is possible.

    A clock that is plainly wrong does not stop a vote the staff opened: the
    ballot is recorded with the time the clock gives and the office flags it.
    """
    package = current_package()
    if package is None:
        return "no_package"
    return _refusal(package, now, db.session)


def _refusal(package: packages.ElectionPackage, now: datetime, executor: Any) -> str | None:
    """Polls, pause, clock and voting window, read in one query."""
    state = executor.execute(_state_statement()).one()
    if state.polls != "open":
        return "polls_closed"
    if state.paused:
        return "paused"
    if _clock_problem(now, state.last_minute, state.loaded_at):
        return None
    return window_refusal(package, now)


@cache
def _state_statement() -> sa.Select:
    """Built once, like the other statements of every request: composing one costs more CPU than SQLite takes to run it."""
    return sa.select(Station.polls, Station.paused, *_clock_columns())


def _clock_columns() -> tuple[Any, Any]:
    return (
        sa.select(BallotRecord.cast_minute).order_by(BallotRecord.sequence.desc()).limit(1).scalar_subquery().label("last_minute"),
        sa.select(LoadedPackage.loaded_at).scalar_subquery().label("loaded_at"),
    )


def clock_problem(now: datetime, executor: Any = None) -> str | None:
    """Why this device's clock cannot be right: it is behind the last ballot or the package's loading (one query)."""
    state = (executor or db.session).execute(sa.select(*_clock_columns())).one()
    return _clock_problem(now, state.last_minute, state.loaded_at)


def _clock_problem(now: datetime, last_minute: str | None, loaded_at: datetime | None) -> str | None:
    if last_minute and now + CLOCK_TOLERANCE < datetime.strptime(last_minute, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc):
        return "behind_last_ballot"
    loaded_at = as_utc(loaded_at)
    if loaded_at and now + CLOCK_TOLERANCE < loaded_at:
        return "behind_package_loading"
    return None


def note_clock(now: datetime) -> str | None:
    """Log a wrong clock once per hour of wrongness, so staff see it on the panel."""
    problem = clock_problem(now)
    if problem:
        last = db.session.scalar(sa.select(Event.at).where(Event.kind == "clock_wrong").order_by(Event.id.desc()).limit(1))
        if last is None or abs(as_utc(last) - now) > timedelta(hours=1):
            with writing():
                log("clock_wrong", problem=problem, clock=now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return problem


def set_paused(paused: bool) -> None:
    with writing():
        row = station()
        if row.polls != "open":
            raise StationError("polls_closed")
        if row.paused == paused:
            raise StationError("already_paused" if paused else "not_paused")
        row.paused = paused
        log("polls_paused" if paused else "polls_resumed")


# Tablets -------------------------------------------------------------------


def tablets() -> list[Tablet]:
    return list(db.session.scalars(sa.select(Tablet).order_by(Tablet.name)))


def tablet(token: str | None) -> Tablet | None:
    """The tablet row, read with the loaded package's hash: the first query of nearly every voter request, so
    `current_package` then needs none of its own."""
    if not token:
        return None
    found = db.session.execute(_tablet_statement(), {"token_hash": token_hash(token)}).first()
    if found is None:
        return None
    g.vallokal_package_digest = found[1]
    return found[0]


@cache
def _tablet_statement() -> sa.Select:
    digest = sa.select(LoadedPackage.sha256).scalar_subquery()
    return sa.select(Tablet, digest).where(Tablet.token_hash == sa.bindparam("token_hash"))


def name_tablet(token: str, name: str) -> Tablet:
    """Give the browser holding `token` a name; renaming keeps its token."""
    name = " ".join(name.split())[:60]
    if not name:
        raise StationError("tablet_name_missing")
    with writing():
        row = db.session.get(Tablet, token_hash(token))
        other = db.session.scalar(sa.select(Tablet).where(Tablet.name == name))
        if other is not None and other is not row:
            raise StationError("tablet_name_taken")
        if row is None:
            if (db.session.scalar(sa.select(sa.func.count()).select_from(Tablet)) or 0) >= MAX_TABLETS:
                raise StationError("too_many_tablets")
            row = Tablet(token_hash=token_hash(token), name=name, named_at=now())
            db.session.add(row)
        else:
            row.name = name
        log("tablet_named", name=name)
    return row


def forget_tablet(name: str) -> None:
    with writing():
        row = db.session.scalar(sa.select(Tablet).where(Tablet.name == name))
        if row is None:
            raise StationError("tablet_unknown")
        db.session.delete(row)
        log("tablet_forgotten", name=name)


def activate_tablet(name: str, now: datetime) -> None:
    """Staff start a vote on a named tablet; the tablet picks it up on its next look (every second)."""
    refusal = voting_refusal(now)
    if refusal:
        raise StationError(refusal)
    if current_package().check_in != "staff":
        raise StationError("not_staff_check_in")
    with writing():
        row = db.session.scalar(sa.select(Tablet).where(Tablet.name == name))
        if row is None:
            raise StationError("tablet_unknown")
        row.activated_at = now
        log("tablet_activated", name=name)


def take_activation(token: str, now: datetime) -> bool:
    """True once for each activation staff gave this tablet in the last few minutes."""
    package = current_package()
    if package is None or package.check_in != "staff":
        return False
    with writing():
        row = db.session.get(Tablet, token_hash(token))
        if row is None or row.activated_at is None:
            return False
        fresh = now - as_utc(row.activated_at) < timedelta(minutes=ACTIVATION_MINUTES)
        row.activated_at = None
    return fresh


def pending_activation(token: str | None) -> bool:
    """Read-only, for the tablet's once-a-second look."""
    if not token:
        return False
    return db.session.scalar(sa.select(Tablet.activated_at).where(Tablet.token_hash == token_hash(token))) is not None


def window_refusal(package: packages.ElectionPackage, now: datetime) -> str | None:
    if now < package.opens:
        return "not_yet_open"
    if now >= package.closes:
        return "vote_ended"
    return None


# Casting -------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def receipt_for(token: str, since: datetime) -> str | None:
    """The tracking code of the ballot a check-in token cast, if it cast one in the minute of `since` or later."""
    row = db.session.execute(
        sa.select(BallotRecord.record_hash, BallotRecord.cast_minute)
        .join(SpentCheckIn, SpentCheckIn.sequence == BallotRecord.sequence)
        .where(SpentCheckIn.token_hash == token_hash(token))
    ).first()
    if row is None or row.cast_minute < envelope.cast_minute(since):
        return None
    return envelope.tracking_code(row.record_hash)


def code_used(code_hash: str) -> bool:
    return db.session.scalar(sa.select(BallotRecord.sequence).where(BallotRecord.code_hash == code_hash)) is not None


def cast(
    token: str, ballot: rules.Ballot, code_hash: str | None, device_key: Ed25519PrivateKey, now: datetime, counters: Sequence[str] = (),
) -> str:
    """Seal, sign, chain and commit one ballot, raising its day's participation `counters` in the same transaction;
    returns the voter's tracking code.

    Casting again with the same check-in token returns the first receipt and
    stores (and counts) nothing, which is what makes a double tap or a reload harmless.
    """
    package = current_package()
    if package is None:
        raise StationError("no_package")
    violations = rules.validate(package.rule, ballot)
    if violations:
        raise InvalidBallot(violations)
    check_code(package, code_hash)
    spent_key = token_hash(token)
    device_id = station().device_id
    ballot_id = envelope.new_ballot_id()
    sealed = envelope.seal(ballot.as_choices(package.rule.kind), package.sealing_key, package.id, device_id, ballot_id)
    try:
        record_hash = _store_cast(package, ballot_id, sealed, spent_key, code_hash, device_id, device_key, now, counters)
    except OperationalError as error:
        if not is_storage_full(error):
            raise
        current_app.extensions["vallokal_storage_full"] = now
        raise StationError("storage_full") from None
    current_app.extensions.pop("vallokal_storage_full", None)
    return envelope.tracking_code(record_hash)


def check_code(package: packages.ElectionPackage, code_hash: str | None) -> None:
    """A record carries one of the package's code hashes in code check-in, and none otherwise, whatever the session says."""
    if package.check_in == "code":
        if code_hash is None or code_hash not in package.code_hashes:
            raise StationError("code_invalid")
    elif code_hash is not None:
        raise StationError("code_invalid")


def is_storage_full(error: Exception) -> bool:
    """SQLite's answer when the disk (or the database's page limit) is full."""
    return "full" in str(getattr(error, "orig", error)).lower()


def storage_full_since() -> datetime | None:
    """When a cast last failed because the storage was full, until one succeeds again."""
    return current_app.extensions.get("vallokal_storage_full")


def _store_cast(
    package: packages.ElectionPackage, ballot_id: str, sealed: str, spent_key: str, code_hash: str | None,
    device_id: str, device_key: Ed25519PrivateKey, now: datetime, counters: Sequence[str] = (),
) -> str:
    """The cast's one write transaction; returns the record hash (of the earlier record for a repeated check-in)."""
    with db.engine.connect().execution_options(immediate=True) as connection, connection.begin():
        spent = connection.scalar(_spent_statement(), {"token_hash": spent_key})
        if spent is not None:
            return spent
        refusal = _refusal(package, now, connection)
        if refusal:
            raise StationError(refusal)
        if code_hash is not None and connection.scalar(
            sa.select(BallotRecord.sequence).where(BallotRecord.code_hash == code_hash)
        ):
            raise StationError("code_used")
        head = connection.execute(_head_statement()).first()
        record = envelope.BallotRecord(
            election_id=package.id,
            device_id=device_id,
            sequence=head.sequence + 1 if head else 1,
            ballot_id=ballot_id,
            sealed=sealed,
            previous_hash=head.record_hash if head else envelope.genesis_hash(package.id, device_id),
            cast_minute=envelope.cast_minute(now),
            code_hash=code_hash,
        )
        record_hash = record.hash
        connection.execute(
            sa.insert(BallotRecord).values(
                **{name: value for name, value in record.body().items() if name not in ("version", "code_hash")},
                code_hash=code_hash,
                record_hash=record_hash,
                signature=record.sign(device_key),
            )
        )
        connection.execute(sa.insert(SpentCheckIn).values(token_hash=spent_key, sequence=record.sequence))
        if counters:
            _count_up(connection, package, now, counters)
        # No event for a cast: the log's microseconds and order would tie it to a moment far finer than its minute.
    return record_hash


@cache
def _spent_statement() -> sa.Select:
    return (
        sa.select(BallotRecord.record_hash)
        .join(SpentCheckIn, SpentCheckIn.sequence == BallotRecord.sequence)
        .where(SpentCheckIn.token_hash == sa.bindparam("token_hash"))
    )


@cache
def _head_statement() -> sa.Select:
    return sa.select(BallotRecord.sequence, BallotRecord.record_hash).order_by(BallotRecord.sequence.desc()).limit(1)


def polling_day(package: packages.ElectionPackage, moment: datetime) -> str:
    """The local day (the package's zone) a counter belongs to: the finest time any counter keeps."""
    return as_utc(moment).astimezone(package.timezone).date().isoformat()


def _count_up(connection: Any, package: packages.ElectionPackage, moment: datetime, names: Sequence[str]) -> None:
    """Raise counters of the day; the day's every name is created first, together, at zero."""
    day = polling_day(package, moment)
    questions = package.document.get("survey", {}).get("questions", ())
    every = participation.every_counter(package.languages, questions)
    created = connection.scalar(sa.select(sa.func.count()).select_from(ParticipationCounter).where(ParticipationCounter.day == day))
    if created < len(every):
        connection.execute(
            sqlite_insert(ParticipationCounter).on_conflict_do_nothing(), [{"day": day, "name": name, "count": 0} for name in every]
        )
    raise_by_one = sqlite_insert(ParticipationCounter)
    raise_by_one = raise_by_one.on_conflict_do_update(index_elements=["day", "name"], set_={"count": ParticipationCounter.count + 1})
    connection.execute(raise_by_one, [{"day": day, "name": name, "count": 1} for name in sorted(set(names))])


def count(names: Sequence[str], moment: datetime) -> None:
    """Raise counters outside a cast (an abandoned session, a survey answer), in a transaction of their own."""
    package = current_package()
    if package is None or not names:
        return
    with db.engine.connect().execution_options(immediate=True) as connection, connection.begin():
        _count_up(connection, package, moment, names)


def participation_counters() -> dict[str, dict[str, int]]:
    """The counters raised so far, per local day: what the station's signed status carries to the office."""
    found: dict[str, dict[str, int]] = {}
    for row in db.session.execute(
        sa.select(ParticipationCounter.day, ParticipationCounter.name, ParticipationCounter.count)
        .where(ParticipationCounter.count > 0).order_by(ParticipationCounter.day, ParticipationCounter.name)
    ):
        found.setdefault(row.day, {})[row.name] = row.count
    return found


def records() -> list[envelope.BallotRecord]:
    """The chain as signed, in sequence order."""
    return [item.record for item in signed_records(0, None)]


def signed_records(after: int, limit: int | None) -> list[SignedRecord]:
    """Records after a sequence, with their signatures, in order: what a bundle carries."""
    query = sa.select(BallotRecord).where(BallotRecord.sequence > after).order_by(BallotRecord.sequence)
    rows = db.session.scalars(query.limit(limit) if limit else query)
    return [
        SignedRecord(envelope.BallotRecord(
            election_id=row.election_id,
            device_id=row.device_id,
            sequence=row.sequence,
            ballot_id=row.ballot_id,
            sealed=row.sealed,
            previous_hash=row.previous_hash,
            cast_minute=row.cast_minute,
            code_hash=row.code_hash,
        ), row.signature)
        for row in rows
    ]


# Sync state ----------------------------------------------------------------


def sync_state() -> SyncState:
    return db.session.get(SyncState, 1)


def unsynced() -> int:
    acknowledged = sa.select(SyncState.acknowledged).scalar_subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(BallotRecord).where(BallotRecord.sequence > acknowledged)) or 0


def note_sync(now: datetime, acknowledged: int | None = None, error: str | None = None, closing: str | None = None) -> None:
    """Record an attempt: where the office acknowledged up to, or why it failed."""
    with writing():
        state = sync_state()
        state.last_attempt_at = now
        if error is None:
            state.last_success_at, state.last_error = now, None
        else:
            state.last_error = error[:500]
        if acknowledged is not None:
            state.acknowledged = acknowledged
        if closing is not None:
            state.closing_acknowledged = closing


# Pairing -------------------------------------------------------------------

PAIRING_MINUTES = 10


def issue_pairing_code(now: datetime, name: str | None = None) -> str:
    """A new one-time pairing token (valid ten minutes); only its hash is stored."""
    token = secrets.token_urlsafe(24)
    name = " ".join((name or "").split())[:60] or None
    with writing():
        db.session.execute(sa.delete(PairingCode).where(PairingCode.expires_at < now.replace(tzinfo=None)))
        db.session.add(PairingCode(token_hash=token_hash(token), name=name, expires_at=now + timedelta(minutes=PAIRING_MINUTES)))
    return token


def pairing_code_valid(token: str, now: datetime) -> bool:
    row = db.session.get(PairingCode, token_hash(token)) if token else None
    return row is not None and row.used_at is None and now < as_utc(row.expires_at)


def pair_tablet(token: str, now: datetime) -> tuple[str, Tablet]:
    """Use a pairing token once: a new tablet with its own long-lived token, named as staff asked or numbered."""
    with writing():
        row = db.session.get(PairingCode, token_hash(token)) if token else None
        if row is None or row.used_at is not None or now >= as_utc(row.expires_at):
            raise StationError("pairing_invalid")
        row.used_at = now
        if (db.session.scalar(sa.select(sa.func.count()).select_from(Tablet)) or 0) >= MAX_TABLETS:
            raise StationError("too_many_tablets")
        taken = set(db.session.scalars(sa.select(Tablet.name)))
        name = row.name if row.name and row.name not in taken else next(
            f"Tablet {number}" for number in range(1, MAX_TABLETS + 2) if f"Tablet {number}" not in taken
        )
        tablet_token = secrets.token_urlsafe(24)
        tablet_row = Tablet(token_hash=token_hash(tablet_token), name=name, named_at=now)
        db.session.add(tablet_row)
        log("tablet_named", name=name, paired=True)
    return tablet_token, tablet_row
