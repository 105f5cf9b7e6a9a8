"""Every query and transaction of the office: ingest and merge, devices, alerts, staff, counts, other channels, the publication, jobs.

Ingest checks a bundle whole before anything is stored: the certificate, the
device's standing, the bundle's and every record's signature, the election, and
how the records join what is already here. Then the new records go in, once
each, in one transaction; a record the office already has is acknowledged
again and changes nothing. A record that contradicts one already stored (same
device and sequence or same ballot id, other content) is a conflict: the whole
bundle is refused and an alert is raised, never an overwrite.
"""

from __future__ import annotations

import ctypes
import functools
import json
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app, g
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ...election import certificate as certificates, keys, package as packages
from ...web import clock, passwords
from ...web.clock import now
from ...web.sqlite import writing
from .. import bundle as bundles, fields
from .extensions import db
from .models import (
    Alert,
    AuditEntry,
    Bundle,
    Count,
    CountedBallot,
    CountedCode,
    Device,
    Election,
    EligiblePopulation,
    HeldRecord,
    ImportedBallot,
    ImportedFile,
    Job,
    OfficeUser,
    PaperEntry,
    ParticipationCounter,
    ProjectUpdate,
    Publication,
    Record,
    RecordCheck,
)

CERTIFICATE_DAYS = 365
PR_SET_PDEATHSIG = 1


class Refused(Exception):
    """A request refused whole, with the HTTP status and a reason for the sender."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def alert(kind: str, device_id: str | None, **detail: Any) -> None:
    """Raise an alert in a transaction of its own, so it stays when the request is refused."""
    db.session.rollback()
    db.session.execute(sa.insert(Alert).values(kind=kind, device_id=device_id, detail=json.dumps(detail, sort_keys=True)))
    db.session.commit()


# The election -----------------------------------------------------------------


def election() -> packages.ElectionPackage | None:
    if "office_package" not in g:
        g.office_package = _signed_package()
    return g.office_package.package if g.office_package else None


def _signed_package() -> packages.SignedPackage | None:
    digest = db.session.scalar(sa.select(Election.sha256))
    if digest is None:
        return None
    trusted = current_app.config["AUTHORITY_KEY"]
    if not trusted:
        raise Refused("AUTHORITY_KEY is not set in office.toml or VALLOKAL_AUTHORITY_KEY, so the loaded package cannot be trusted", 503)
    cache = current_app.extensions.setdefault("vallokal_office_package", packages.PackageCache())
    return cache.get(digest, lambda: db.session.get(Election, 1).file, trusted)


def load_package(file: bytes) -> packages.ElectionPackage:
    """Install the election this office runs; refuse to swap it once records exist."""
    trusted = current_app.config["AUTHORITY_KEY"]
    if not trusted:
        raise packages.PackageError("config: AUTHORITY_KEY is not set, so no package can be trusted")
    signed = packages.read_file(file, trusted)
    office_key = current_app.extensions["vallokal_office_key"]
    if signed.package.office_signing_key != keys.public_text(office_key):
        raise packages.PackageError(
            "$.keys.office_signing: the package does not name this office's signing key "
            f"({keys.fingerprint(keys.public_text(office_key))}); stations could not trust its answers"
        )
    with writing(db.session):
        row = db.session.get(Election, 1)
        if row is not None and row.sha256 != signed.package.hash and db.session.scalar(sa.select(sa.func.count()).select_from(Record)):
            raise packages.PackageError(f"package: records of election {row.election_id} are already stored")
        if row is None:
            db.session.add(Election(id=1, election_id=signed.package.id, sha256=signed.package.hash, file=file))
        else:
            row.election_id, row.sha256, row.file = signed.package.id, signed.package.hash, file
    g.pop("office_package", None)
    return signed.package


def election_sha256() -> str | None:
    """The hash of the package file this office runs: part of every count's inputs."""
    return db.session.scalar(sa.select(Election.sha256))


def require_election() -> packages.ElectionPackage:
    package = election()
    if package is None:
        raise Refused("this office has no election loaded", 503)
    return package


# Enrolment ----------------------------------------------------------------------


def enrol(request_document: Any, authority_key: Ed25519PrivateKey, now: datetime, days: int = CERTIFICATE_DAYS) -> dict[str, Any]:
    """Issue a certificate for a station's enrolment request and remember the device."""
    package = require_election()
    request = certificates.read_request(request_document)
    try:
        fields.identifier(request["device_id"], "enrolment request: device_id")
        fields.short_text(request["station_name"], "enrolment request: station_name")
    except fields.FieldError as error:
        raise certificates.CertificateError(str(error)) from None
    if request["election_id"] != package.id:
        raise certificates.CertificateError(f"enrolment request: for election {request['election_id']}, this office runs {package.id}")
    with writing(db.session):
        existing = db.session.get(Device, request["device_id"])
        if existing is not None and existing.public_key != request["public_key"]:
            raise certificates.CertificateError(f"enrolment request: device {request['device_id']} is enrolled with another key")
        if existing is not None and existing.revoked_at is not None:
            raise certificates.CertificateError(f"enrolment request: device {request['device_id']} is revoked")
        issued = certificates.issue(request, authority_key, now - timedelta(days=1), now + timedelta(days=days))
        if existing is None:
            db.session.add(
                Device(
                    device_id=request["device_id"],
                    station_name=request["station_name"],
                    public_key=request["public_key"],
                    certificate=json.dumps(issued, sort_keys=True),
                    enrolled_at=now,
                    high_water=0,
                    received=0,
                )
            )
        else:
            existing.certificate, existing.station_name = json.dumps(issued, sort_keys=True), request["station_name"]
    return issued


def revoke(device_id: str, reason: str, now: datetime, compromised_at: datetime | None = None) -> None:
    """Refuse the device's later bundles; what it already delivered stays.

    With a stated compromise time, every record of the device cast or received
    since then is held for the board.
    """
    with writing(db.session):
        device = db.session.get(Device, device_id)
        if device is None:
            raise LookupError(f"no device {device_id}")
        if device.revoked_at is None:
            device.revoked_at, device.revoke_reason = now, reason
        if compromised_at is not None and (device.compromised_at is None or compromised_at < as_utc(device.compromised_at)):
            device.compromised_at = compromised_at
    if compromised_at is not None:
        hold_new_suspicious()


# Ingest ---------------------------------------------------------------------------


VERIFIER_NICENESS = 10


def die_with_parent(parent: int, niceness: int = VERIFIER_NICENESS) -> None:
    """In a verifier process: end when the office process ends, even if it was killed (Linux); and yield the
    cores to ingest and pages, since the signatures it checks are background work (the count waits for them).
    The count's opening processes pass niceness 0: a count is what the clerk waits for."""
    os.nice(niceness)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(0)


def verifier() -> ProcessPoolExecutor | None:
    """Worker processes that check record signatures in parallel, started on first need."""
    processes = current_app.config["VERIFY_PROCESSES"]
    if processes < 2:
        return None
    pool = current_app.extensions.get("vallokal_verifier")
    if pool is None:
        pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent, initargs=(os.getpid(),))
        current_app.extensions["vallokal_verifier"] = pool
    return pool


@dataclass(frozen=True)
class Outcome:
    device_id: str
    results: list[dict[str, Any]]
    high_water: int
    bundle_sha256: str
    new_rows: list[bundles.RecordRow]
    status_changed: bool = False
    new_rows_clean: bool = False


def ingest(data: bytes, channel: str, now: datetime) -> Outcome:
    """Check and merge one bundle; raises Refused with a status and reason."""
    package = require_election()
    try:
        bundle = bundles.read(data)
    except bundles.BundleError as error:
        raise Refused(str(error), error.status) from None
    if bundle.election_id != package.id:
        raise Refused(f"bundle is for election {bundle.election_id}; this office runs {package.id}", 422)
    try:
        certificate = certificates.read_certificate(bundle.certificate, package.authority_key, package.id, now)
    except certificates.CertificateError as error:
        raise Refused(str(error), 403) from None
    if certificate.device_id != bundle.device_id:
        raise Refused("the certificate is for another device", 403)
    try:
        at_ingest = current_app.config["VERIFY_RECORDS_AT_INGEST"]
        bundles.verify(bundle, certificate.public_key, verifier() if at_ingest else None, records=at_ingest)
    except bundles.BundleError as error:
        raise Refused(str(error), error.status) from None

    for attempt in range(3):
        try:
            with writing(db.session):
                outcome = _merge(bundle, certificate, package, channel, now, check_ballot_ids=attempt > 0)
                if outcome.new_rows or bundle.status:
                    status_changed = bundle.status is not None and outcome.status_changed
                    first_new = min((row.sequence for row in outcome.new_rows), default=1)
                    since = 0 if status_changed or not outcome.new_rows else first_new - 1
                    rules_asked = outcome.new_rows_clean and not status_changed
                    _hold_in_savepoint(package, outcome.device_id, since, rules_asked, any(row.code_hash for row in outcome.new_rows))
            if outcome.new_rows:
                _flag_after_merge(outcome.device_id, package, outcome.new_rows)
            return outcome
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise Refused("the office is busy with the same records; send again", 503) from None
    raise AssertionError("unreachable")


def _merge(bundle: bundles.Bundle, certificate: certificates.Certificate, package: packages.ElectionPackage, channel: str, now: datetime,
           check_ballot_ids: bool = False) -> Outcome:
    """Merge a checked bundle in the caller's transaction. A ballot id stored already under another record is
    first met by the unique constraint (no query on the hot path); the retry then asks, to answer 409 with an alert."""
    device = db.session.get(Device, bundle.device_id)
    if device is None:
        device = Device(
            device_id=certificate.device_id,
            station_name=certificate.station_name,
            public_key=certificate.public_key,
            certificate=json.dumps(dict(certificate.document), sort_keys=True),
            enrolled_at=now,
            high_water=0,
            received=0,
        )
        db.session.add(device)
        db.session.flush()
    elif device.public_key != certificate.public_key:
        raise Refused("the certificate's key differs from the one enrolled for this device", 403)
    if device.revoked_at is not None:
        reason = f"device {device.device_id} was revoked: {device.revoke_reason}"
        alert("revoked_device", device.device_id, reason=reason, records=len(bundle.rows))
        raise Refused(reason, 403)

    results: list[dict[str, Any]] = []
    new_rows: list[bundles.RecordRow] = []
    last, before, after, unbroken = 0, None, None, False
    if bundle.rows:
        first, last = bundle.rows[0].sequence, bundle.rows[-1].sequence
        stored = {
            row.sequence: row
            for row in db.session.execute(
                sa.select(Record.sequence, Record.record_hash, Record.previous_hash, Record.cast_minute).where(
                    Record.device_id == device.device_id, Record.sequence.between(first - 1, last + 1)
                )
            )
        }
        before, after = stored.get(first - 1), stored.get(last + 1)
        if before is not None and before.record_hash != bundle.rows[0].previous_hash:
            _conflict(device.device_id, first, "does not link to the stored record before it")
        if after is not None and after.previous_hash != bundle.rows[-1].record_hash:
            _conflict(device.device_id, last, "the stored record after it does not link to it")
        unbroken = not any(first <= sequence <= last for sequence in stored)
        if unbroken:
            new_rows = list(bundle.rows)  # the usual delivery: nothing of it is here yet
            results = [{"sequence": row.sequence, "status": "accepted"} for row in new_rows]
        else:
            for row in bundle.rows:
                known = stored.get(row.sequence)
                if known is not None:
                    if known.record_hash != row.record_hash:
                        _conflict(device.device_id, row.sequence, "differs from the stored record with this sequence")
                    results.append({"sequence": row.sequence, "status": "already_had"})
                    continue
                results.append({"sequence": row.sequence, "status": "accepted"})
                new_rows.append(row)
        if new_rows and check_ballot_ids:
            clash = db.session.scalar(
                sa.select(Record.ballot_id).where(Record.ballot_id.in_([row.ballot_id for row in new_rows])).limit(1)
            )
            if clash is not None:
                _conflict(device.device_id, None, f"ballot id {clash} is already stored with other content")

    bundle_id = db.session.scalar(sa.select(Bundle.id).where(Bundle.sha256 == bundle.sha256))
    fresh_bundle = bundle_id is None
    if bundle_id is None:
        bundle_id = db.session.scalar(
            sa.insert(Bundle)
            .values(
                sha256=bundle.sha256,
                device_id=device.device_id,
                channel=channel,
                received_at=now,
                records_in_bundle=len(bundle.rows),
                records_accepted=len(new_rows),
            )
            .returning(Bundle.id)
        )
    if new_rows:
        _insert_records(new_rows, bundle.election_id, device.device_id, bundle_id)
    closing_before = device.closing_at
    follows_on = bool(new_rows) and new_rows[0].sequence == device.high_water + 1 and new_rows[-1].sequence == last and after is None
    if follows_on and new_rows[-1].sequence - new_rows[0].sequence == len(new_rows) - 1:
        device.high_water = last  # the new records continue the unbroken run and nothing is stored after them
    else:
        with db.session.no_autoflush:
            device.high_water = _high_water(device.device_id, device.high_water)
    device.received += len(new_rows)
    if bundle.closing_report:
        _note_closing_report(device, bundle.closing_report)
    status_changed = _note_status(device, bundle.status) if bundle.status else False
    if new_rows or device.closing_at != closing_before or (bundle.status and fresh_bundle):
        device.last_contact = now  # a replayed bundle brings nothing new, so it does not hide a silent station
    clean = bool(new_rows) and unbroken and after is None and _new_rows_clean(package, device, new_rows, before.cast_minute if before else None)
    return Outcome(device.device_id, results, device.high_water, bundle.sha256, new_rows, status_changed, clean)


RECORD_COLUMNS = ("election_id", "device_id", "bundle_id", "sequence", "ballot_id", "sealed", "cast_minute", "code_hash", "signature",
                  "previous_hash", "record_hash")


def _insert_records(rows: list[bundles.RecordRow], election_id: str, device_id: str, bundle_id: int) -> None:
    """The rows in RecordRow's order, after the three columns the bundle gives them all."""
    shared = (election_id, device_id, bundle_id)
    insert_many(Record.__table__, RECORD_COLUMNS, [shared + row for row in rows], plain=True)


def insert_many(table: sa.Table, columns: tuple[str, ...], rows: list[list[Any]], plain: bool = False) -> None:
    """Insert rows in the session's transaction: by COPY on PostgreSQL (one round trip), executemany on SQLite
    (the driver's own when every value is `plain` text, a number or None, which needs no conversion)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        if plain:
            statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
            try:
                connection.connection.driver_connection.executemany(statement, rows)
            except connection.dialect.dbapi.IntegrityError as error:
                raise IntegrityError(statement, None, error) from error
        else:
            connection.execute(table.insert(), [dict(zip(columns, row)) for row in rows])
        return
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except connection.dialect.dbapi.IntegrityError as error:
        raise IntegrityError(statement, None, error) from error


def _conflict(device_id: str, sequence: int | None, what: str) -> None:
    reason = f"conflict: record {sequence} of device {device_id} {what}" if sequence else f"conflict: {what}"
    alert("conflict", device_id, reason=reason)
    raise Refused(reason, 409)


def _high_water(device_id: str, known: int) -> int:
    """The highest sequence up to which every record of the device has arrived."""
    later = db.session.scalars(
        sa.select(Record.sequence).where(Record.device_id == device_id, Record.sequence > known).order_by(Record.sequence)
    )
    for sequence in later:
        if sequence != known + 1:
            break
        known = sequence
    return known


def _note_closing_report(device: Device, report: dict[str, Any]) -> None:
    ballots, head, at = report.get("ballots_cast"), report.get("chain_head"), report.get("at")
    readable = isinstance(ballots, int) and (head is None or isinstance(head, str)) and isinstance(at, str)
    if readable and (device.closing_at is None or at >= device.closing_at):
        device.closing_ballots, device.closing_head, device.closing_at = ballots, head, at
        device.closing_report = json.dumps(report, ensure_ascii=False, sort_keys=True)


def _note_status(device: Device, status: dict[str, Any]) -> bool:
    """Keep the latest minutes a station's signed status states (a later zero report holds more records, never fewer); whether one changed."""
    changed = False
    for name in ("zero_report_at", "package_loaded_at"):
        stated, known = status.get(name), getattr(device, name)
        if stated is not None and (known is None or stated > known):
            setattr(device, name, stated)
            changed = True
    if status.get("counters"):
        _note_counters(device.device_id, status["counters"])
    return changed


def _note_counters(device_id: str, counters: dict[str, dict[str, int]]) -> None:
    """Keep the highest value each counter has stated: they only grow, so bundles may arrive in any order or twice."""
    known = {
        (row.day, row.name): row
        for row in db.session.scalars(
            sa.select(ParticipationCounter).where(ParticipationCounter.device_id == device_id, ParticipationCounter.day.in_(list(counters)))
        )
    }
    for day, named in counters.items():
        for name, count in named.items():
            row = known.get((day, name))
            if row is None:
                db.session.add(ParticipationCounter(device_id=device_id, day=day, name=name, count=count))
            elif count > row.count:
                row.count = count


def _flag_after_merge(device_id: str, package: packages.ElectionPackage, rows: list[bundles.RecordRow]) -> None:
    """Alerts that do not stop a merge: casts outside the window, a code used twice, a code not the package's."""
    opens = package.opens.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    closes = package.closes.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    outside = [row.sequence for row in rows if not (opens <= row.cast_minute <= closes)]
    if outside:
        alert("outside_window", device_id, sequences=outside[:50], count=len(outside))
    foreign = [row.sequence for row in rows if (row.code_hash not in package.code_hashes if package.check_in == "code" else row.code_hash)]
    if foreign:
        alert("held_record", device_id, reason="code_not_in_package", check_in=package.check_in, sequences=foreign[:50], count=len(foreign))
    codes = [row.code_hash for row in rows if row.code_hash]
    if codes:
        reused = db.session.execute(
            sa.select(Record.code_hash, sa.func.count(sa.distinct(Record.device_id))).where(Record.code_hash.in_(codes))
            .group_by(Record.code_hash).having(sa.func.count() > 1)
        ).all()
        for code_hash, stations in reused:
            alert("code_used_twice", device_id, code_hash=code_hash, stations=stations)


# The verifier: each record's own signature, after ingest ---------------------------------

VERIFY_BATCH = 5_000
VERIFY_CHUNK_FROM = 1_000  # records per task at least: a device's batch is split so every verifier process has work, a small one not
VERIFY = "verify"


def unchecked_count() -> int:
    checked = sa.select(RecordCheck.record_id).where(RecordCheck.record_id == Record.id).exists()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Record).where(~checked)) or 0


def verify_pending(progress: Any = None) -> tuple[int, int]:
    """Check the own signature of every record not checked yet, in batches over the verifier's processes.

    A record whose signature fails is held for the board with an alert. Returns
    (checked, failed).
    """
    checked_total = failed_total = 0
    total = unchecked_count() if progress is not None else 0
    pool = verifier()
    after: int | None = None  # then records are read by id onwards, so a round does not pass over every checked record again
    while True:
        db.session.commit()  # a fresh snapshot each round, so records stored meanwhile are seen
        exists = sa.select(RecordCheck.record_id).where(RecordCheck.record_id == Record.id).exists()
        unchecked = sa.select(Record.id, Record.device_id, Record.sequence, Record.record_hash, Record.signature).where(~exists)
        if after is not None:
            unchecked = unchecked.where(Record.id > after)
        rows = db.session.execute(unchecked.order_by(Record.id).limit(VERIFY_BATCH)).all()
        if not rows and after is not None:
            after = None  # a merge may commit lower ids after higher ones: the last round asks of every record
            continue
        if not rows:
            return checked_total, failed_total
        after = rows[-1].id
        devices = {row.device_id for row in rows}
        public_keys = dict(db.session.execute(sa.select(Device.device_id, Device.public_key).where(Device.device_id.in_(devices))).all())
        by_device: dict[str, list[Any]] = {}
        for row in rows:
            by_device.setdefault(row.device_id, []).append(row)
        chunk = max(VERIFY_CHUNK_FROM, -(-len(rows) // (2 * (pool._max_workers if pool is not None else 1))))
        groups = [(device_id, members[start : start + chunk]) for device_id, members in by_device.items() for start in range(0, len(members), chunk)]
        arguments = ([public_keys[device_id] for device_id, _ in groups], [[(row.signature, row.record_hash) for row in members] for _, members in groups])
        results = list(pool.map(bundles.failed_records, *arguments)) if pool is not None and len(rows) >= 256 else [
            bundles.failed_records(key, pairs) for key, pairs in zip(*arguments)]
        failed = [members[index] for (_, members), indexes in zip(groups, results) for index in indexes]
        failed_ids = {row.id for row in failed}
        checked_at = now()
        try:
            with writing(db.session):
                insert_many(RecordCheck.__table__, ("record_id", "ok", "checked_at"), [[row.id, row.id not in failed_ids, checked_at] for row in rows])
                if failed:
                    db.session.execute(sa.insert(HeldRecord), [
                        {"record_id": row.id, "reason": "signature_failed",
                         "evidence": json.dumps({"sequence": row.sequence, "device_id": row.device_id}, sort_keys=True)} for row in failed
                    ])
        except IntegrityError:
            db.session.rollback()  # another verifier checked some of them meanwhile: read again what is left
            after = None
            continue
        for row in failed:
            alert("held_record", row.device_id, reason="signature_failed", sequences=[row.sequence], count=1)
        checked_total += len(rows)
        failed_total += len(failed)
        if progress is not None:
            progress("checking", checked_total, max(total, checked_total))


def verify_job(job: Any, secret: Any, progress: Any) -> None:
    verify_pending(progress)
    return None


# What staff and stations see --------------------------------------------------------


def device_status(device_id: str) -> dict[str, Any] | None:
    device = db.session.get(Device, device_id)
    if device is None:
        return None
    return {
        "device_id": device.device_id,
        "station_name": device.station_name,
        "high_water": device.high_water,
        "received": device.received,
        "revoked": device.revoked_at is not None,
    }


def missing_ranges(device_id: str) -> list[tuple[int, int]]:
    """Sequences not yet received below the highest one received, as closed ranges."""
    following = sa.func.lead(Record.sequence).over(order_by=Record.sequence).label("following")
    rows = sa.select(Record.sequence, following).where(Record.device_id == device_id).subquery()
    gaps = db.session.execute(
        sa.select(rows.c.sequence + 1, rows.c.following - 1).where(rows.c.following > rows.c.sequence + 1).order_by(rows.c.sequence)
    ).all()
    first = db.session.scalar(sa.select(sa.func.min(Record.sequence)).where(Record.device_id == device_id))
    ranges = [(1, first - 1)] if first and first > 1 else []
    return ranges + [(start, end) for start, end in gaps]


SILENT_AFTER = timedelta(minutes=30)


def stations() -> list[dict[str, Any]]:
    rows = []
    for device in db.session.scalars(sa.select(Device).order_by(Device.station_name, Device.device_id)):
        closing = None
        if device.closing_ballots is not None:
            head = db.session.scalar(
                sa.select(Record.record_hash).where(Record.device_id == device.device_id, Record.sequence == device.closing_ballots)
            ) if device.closing_ballots else None
            matches = device.high_water == device.closing_ballots and (head == device.closing_head)
            closing = {"ballots": device.closing_ballots, "head": device.closing_head, "at": device.closing_at, "matches": matches}
        rows.append(
            {
                "device": device,
                "missing": missing_ranges(device.device_id),
                "closing": closing,
                "last_contact": as_utc(device.last_contact),
                "silent": device.last_contact is not None and now() - as_utc(device.last_contact) > SILENT_AFTER,
            }
        )
    return rows


def alerts(limit: int = 200) -> list[Alert]:
    return list(db.session.scalars(sa.select(Alert).order_by(Alert.id.desc()).limit(limit)))


@dataclass(frozen=True)
class AlertGroup:
    kind: str
    device_id: str | None
    count: int
    first_at: datetime
    last_at: datetime
    detail: str


def alert_groups() -> list[AlertGroup]:
    """Every alert, one row per kind and device, with how many and when first and last; the newest detail shown.

    So 205 replays of a revoked device's bundle are one row, and cannot push a
    code used twice out of view.
    """
    groups = db.session.execute(
        sa.select(Alert.kind, Alert.device_id, sa.func.count(), sa.func.min(Alert.at), sa.func.max(Alert.at), sa.func.max(Alert.id))
        .group_by(Alert.kind, Alert.device_id)
        .order_by(sa.func.max(Alert.id).desc())
    ).all()
    details = dict(db.session.execute(sa.select(Alert.id, Alert.detail).where(Alert.id.in_([row[5] for row in groups]))).all()) if groups else {}
    return [
        AlertGroup(kind, device_id, count, as_utc(first), as_utc(last), details.get(newest, ""))
        for kind, device_id, count, first, last, newest in groups
    ]


def code_duplicates() -> list[dict[str, Any]]:
    """Every voting code used on more than one record, and what becomes of its records.

    Used at two stations, or with any of its records held for another reason:
    every record with the code is held for the board (`held`; see find_holds),
    since no rule may let one device's record remove another's. Used twice at
    one station with none held: the record cast first counts (by cast minute,
    then the lower sequence: the station's own chain orders them) and the
    others are left out.
    """
    reused = sa.select(Record.code_hash).where(Record.code_hash.is_not(None)).group_by(Record.code_hash).having(sa.func.count() > 1)
    rows = db.session.execute(
        sa.select(Record.id, Record.code_hash, Record.device_id, Record.sequence, Record.cast_minute, Record.ballot_id)
        .where(Record.code_hash.in_(reused))
        .order_by(Record.code_hash, Record.cast_minute, Record.device_id, Record.sequence)
    ).all()
    held = set(db.session.scalars(sa.select(HeldRecord.record_id).where(HeldRecord.record_id.in_([row.id for row in rows])))) if rows else set()
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.code_hash, []).append(row)
    duplicates = []
    for code, records in groups.items():
        for_the_board = len({row.device_id for row in records}) > 1 or any(row.id in held for row in records)
        duplicates.append({"code_hash": code, "held": for_the_board, "records": records,
                           "counted": None if for_the_board else records[0], "not_counted": [] if for_the_board else records[1:]})
    return duplicates


def totals() -> dict[str, int]:
    records = db.session.scalar(sa.select(sa.func.count()).select_from(Record)) or 0
    unchecked = unchecked_count()
    return {
        "records": records,
        "devices": db.session.scalar(sa.select(sa.func.count()).select_from(Device)) or 0,
        "checked": records - unchecked,
        "unchecked": unchecked,
    }


# Staff accounts ------------------------------------------------------------------


REHEARSAL_CLERKS = ("rehearsal-clerk-1", "rehearsal-clerk-2")


class UserExists(ValueError):
    """add_user for a clerk who exists already, without the explicit reset."""


def add_user(username: str, password: str, reset: bool = False, by: str = "command line") -> None:
    """Add a clerk; an existing clerk's password changes only with `reset`, and the reset is in the audit log."""
    if len(password) < 12:
        raise ValueError("a password has at least 12 characters")
    password_hash = passwords.hash_secret(password)
    with writing(db.session):  # read and write in one write transaction: the verifier may commit in between
        existing = db.session.scalar(sa.select(OfficeUser).where(OfficeUser.username == username))
        if existing is None:
            db.session.add(OfficeUser(username=username, password_hash=password_hash, failed_attempts=0))
            audit("add_user", by, user=username)
        elif not reset:
            raise UserExists(f"{username} exists already; to give them a new password, say so explicitly (--reset-password)")
        else:
            existing.password_hash, existing.failed_attempts, existing.locked_until = password_hash, 0, None
            audit("reset_password", by, user=username)


REHEARSAL_PASSWORD = "rehearsal only, not secret"


def add_rehearsal_clerks() -> None:
    """The two built-in rehearsal clerks of a rehearsal office (setting REHEARSAL), with a known password."""
    for username in REHEARSAL_CLERKS:
        if not user_exists(username):
            add_user(username, REHEARSAL_PASSWORD, by="rehearsal")


def is_rehearsal(*names: str | None) -> bool:
    """A rehearsal office (setting REHEARSAL) or work done by the built-in rehearsal clerks."""
    return bool(current_app.config["REHEARSAL"]) or any(name in REHEARSAL_CLERKS for name in names)
def user_names() -> set[str]:
    """Who can log in: an empty set means the office still needs its first clerk."""
    return set(db.session.scalars(sa.select(OfficeUser.username)))


@functools.cache
def _unknown_user_hash() -> str:
    """A hash to check an unknown user's password against, so both answers take one scrypt."""
    return passwords.hash_secret(os.urandom(16).hex())


@dataclass(frozen=True)
class LoginResult:
    accepted: bool
    locked_until: datetime | None = None


def try_login(username: str, password: str, now: datetime) -> LoginResult:
    """Check a password. An unknown user and a wrong password take one scrypt each and answer alike.

    Nothing here locks an account: repeated failures are limited per client
    address (see `admin.login`), so no outsider can lock a named clerk out.
    """
    user = None
    if username and "\x00" not in username and len(username) <= 100:
        user = db.session.scalar(sa.select(OfficeUser).where(OfficeUser.username == username))
    if user is None:
        passwords.check_secret(password, _unknown_user_hash())
        return LoginResult(False)
    if passwords.check_secret(password, user.password_hash):
        if user.failed_attempts or user.locked_until is not None:
            with writing(db.session):
                user.failed_attempts, user.locked_until = 0, None
        return LoginResult(True)
    with writing(db.session):  # the row is read again inside the write transaction
        user.failed_attempts += 1
        lock = passwords.lock_for(user.failed_attempts)
        if lock is not None:
            user.locked_until = now + lock
    return LoginResult(False, now + lock if lock else None)


class NotApproved(Exception):
    """A change to the outcome that lacks a second, different clerk's approval."""


def second_clerk(first: str, username: str, password: str, now: datetime) -> str:
    """Check that a second, different clerk approves with their own password; their name, or NotApproved."""
    username = (username or "").strip()[:100]
    if not username:
        raise NotApproved("a second clerk must approve: give their user name and password")
    if username == first:
        raise NotApproved("the second clerk must be someone else than the first")
    if not try_login(username, (password or "")[:200], now).accepted:
        raise NotApproved("the second clerk's user name or password is wrong")
    return username


def clerk(username: str, password: str, now: datetime) -> str:
    """The first clerk on the command line, checked by their own password."""
    username = (username or "").strip()[:100]
    if not username or not try_login(username, (password or "")[:200], now).accepted:
        raise NotApproved(f"the clerk {username or '(none)'}: user name or password is wrong")
    return username


def audit(action: str, done_by: str, approved_by: str | None = None, now: datetime | None = None, **detail: Any) -> None:
    """Add to the audit log in the current transaction (the caller commits)."""
    db.session.add(AuditEntry(at=now or clock.now(), action=action, done_by=done_by, approved_by=approved_by,
                              detail=json.dumps(detail, sort_keys=True, ensure_ascii=False)))


def audit_log(limit: int = 500) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


def user_exists(username: str) -> bool:
    return db.session.scalar(sa.select(OfficeUser.id).where(OfficeUser.username == username)) is not None


# Held records: what no rule may decide alone ---------------------------------------------


def _minute(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def find_holds(package: packages.ElectionPackage, device_id: str | None = None, since_sequence: int = 0, rules_asked: bool = False,
               any_code: bool = False) -> int:
    """Hold every record that is suspicious and not held yet for that reason; how many holds were added.

    Run after each merge (for that device's records from `since_sequence` on,
    so ingest stays linear) and over everything before each count; it only
    ever adds holds, so it may run any number of times. One query reads each
    record with its chain predecessor, its station's reports and its bundle;
    the rules are then asked in Python, and one more query finds voting codes
    used twice. With `rules_asked` the merge has found every new record clean
    by `is_clean` already (`any_code`: whether one carries a code), so only
    codes used twice are looked for.
    """
    earlier = aliased(Record)
    candidates = (
        sa.select(Record.id, Record.device_id, Record.sequence, Record.cast_minute, Record.code_hash,
                  earlier.sequence.label("before_sequence"), earlier.cast_minute.label("before_minute"),
                  Device.zero_report_at, Device.package_loaded_at, Device.compromised_at, Bundle.received_at)
        .join(Device, Device.device_id == Record.device_id).join(Bundle, Bundle.id == Record.bundle_id)
        .outerjoin(earlier, sa.and_(earlier.device_id == Record.device_id, earlier.sequence == Record.sequence - 1))
    )
    if device_id is not None:
        candidates = candidates.where(Record.device_id == device_id, Record.sequence >= since_sequence)
    opens, closes = _minute(package.opens), _minute(package.closes)
    codes_expected = package.check_in == "code"
    found: list[tuple[int, str, dict[str, Any]]] = []
    for row in () if rules_asked else db.session.execute(candidates):
        code, minute = row.code_hash, row.cast_minute
        any_code = any_code or code is not None
        if is_clean(package, minute, code, row.before_minute, row.zero_report_at, row.package_loaded_at, row.compromised_at, opens, closes):
            continue  # the usual record: asked once, nothing to hold
        base = {"sequence": row.sequence, "cast_minute": minute}
        if row.before_minute is not None and minute < row.before_minute:
            found.append((row.id, "earlier_than_predecessor", {**base, "predecessor": {"sequence": row.before_sequence, "cast_minute": row.before_minute}}))
        for reason, reported in (("before_zero_report", row.zero_report_at), ("before_package_load", row.package_loaded_at)):
            if reported is not None and minute < reported:
                found.append((row.id, reason, {**base, "station_reported": reported}))
        if (minute < opens or minute > closes) and _is_minute(minute):  # a minute that is no minute is counted invalid, not held
            found.append((row.id, "outside_window", {**base, "opens": opens, "closes": closes}))
        if row.compromised_at is not None:
            since, received = as_utc(row.compromised_at), as_utc(row.received_at)
            if minute >= _minute(since) or received >= since:
                found.append((row.id, "after_compromise", {**base, "received_at": received.isoformat(), "compromised_at": since.isoformat()}))
        malformed = code is not None and not fields.HASH.fullmatch(code)  # counted invalid, not held
        if not malformed and (code not in package.code_hashes if codes_expected else code is not None):
            found.append((row.id, "code_not_in_package", {**base, "code_hash": code, "check_in": package.check_in}))

    if device_id is not None and not any_code and not found:
        return 0  # nothing suspicious among the new records, and none carries a code that could be used twice
    reused = sa.select(Record.code_hash).where(Record.code_hash.is_not(None)).group_by(Record.code_hash).having(sa.func.count() > 1)
    if device_id is not None:
        new_codes = sa.select(Record.code_hash).where(Record.device_id == device_id, Record.sequence >= since_sequence, Record.code_hash.is_not(None))
        reused = reused.where(Record.code_hash.in_(new_codes))
    rows = db.session.execute(
        sa.select(Record.id, Record.code_hash, Record.device_id, Record.sequence, Record.cast_minute, Device.station_name)
        .join(Device, Device.device_id == Record.device_id).where(Record.code_hash.in_(reused)).order_by(Record.code_hash, Record.id)
    ).all()
    concerned = {record_id for record_id, _, _ in found} | {row.id for row in rows}
    if not concerned:
        return 0
    holds = sa.select(HeldRecord.record_id, HeldRecord.reason)
    if device_id is not None:
        holds = holds.where(HeldRecord.record_id.in_(concerned))
    known = {tuple(row) for row in db.session.execute(holds)}
    held = {record_id for record_id, _ in known} | {record_id for record_id, _, _ in found}
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.code_hash, []).append(row)
    for code_hash, members in groups.items():
        if len({row.device_id for row in members}) == 1 and not any(row.id in held for row in members):
            continue  # one station's word against itself, none held: its chain orders them (see code_duplicates)
        side_by_side = [{"station": row.station_name, "device_id": row.device_id, "sequence": row.sequence, "cast_minute": row.cast_minute}
                        for row in members]
        for row in members:
            found.append((row.id, "code_used_twice", {"code_hash": code_hash, "records": side_by_side}))
    new = {(record_id, reason): evidence for record_id, reason, evidence in found if (record_id, reason) not in known}
    if new:
        db.session.execute(sa.insert(HeldRecord), [
            {"record_id": record_id, "reason": reason, "evidence": json.dumps(evidence, sort_keys=True, ensure_ascii=False)}
            for (record_id, reason), evidence in new.items()
        ])
    return len(new)


def is_clean(package: packages.ElectionPackage, minute: str, code: str | None, before_minute: str | None, zero_report_at: str | None,
             package_loaded_at: str | None, compromised_at: datetime | None, opens: str, closes: str) -> bool:
    """No rule of `find_holds` holds this record (the usual case, so it is asked first and quickly)."""
    return ((before_minute is None or minute >= before_minute) and opens <= minute <= closes and compromised_at is None
            and (zero_report_at is None or minute >= zero_report_at) and (package_loaded_at is None or minute >= package_loaded_at)
            and (code in package.code_hashes if package.check_in == "code" else code is None))


def _is_minute(value: str) -> bool:
    try:
        fields.minute(value)
    except fields.FieldError:
        return False
    return True


def _hold_in_savepoint(package: packages.ElectionPackage, device_id: str, since_sequence: int, rules_asked: bool = False,
                       any_code: bool = False) -> None:
    """Hold what a merge made suspicious, in the merge's own transaction (one commit a bundle); a clash with a
    parallel merge over the same holds only undoes this savepoint, and the next merge or count finds them."""
    if rules_asked and not any_code:
        return  # every new record is clean and none carries a code that could be used twice: nothing to hold
    try:
        with db.session.begin_nested():
            find_holds(package, device_id, since_sequence, rules_asked, any_code)
    except IntegrityError:
        pass


def _new_rows_clean(package: packages.ElectionPackage, device: Device, rows: list[bundles.RecordRow], before_minute: str | None) -> bool:
    """Whether `is_clean` says so of every new record of a merge that stores one unbroken run (each one's predecessor
    is the one before it, the first's is `before_minute`); then the merge need not read them back to find holds."""
    opens, closes = _minute(package.opens), _minute(package.closes)
    zero, loaded, compromised = device.zero_report_at, device.package_loaded_at, device.compromised_at
    for row in rows:
        if not is_clean(package, row.cast_minute, row.code_hash, before_minute, zero, loaded, compromised, opens, closes):
            return False
        before_minute = row.cast_minute
    return True


def hold_new_suspicious(device_id: str | None = None, since_sequence: int = 0) -> None:
    """Hold what the last merge made suspicious, in a transaction of its own; a clash with a parallel merge is harmless."""
    package = election()
    if package is None:
        return
    try:
        with writing(db.session):
            find_holds(package, device_id, since_sequence)
    except IntegrityError:
        db.session.rollback()


def held_ballots() -> tuple[set[str], set[str]]:
    """Ballot ids of records held for the board: (still undecided, left out by the board), as the count keeps them out."""
    def ballots(decided: Any) -> set[str]:
        held = sa.select(Record.ballot_id).join(HeldRecord, HeldRecord.record_id == Record.id).where(decided)
        return set(db.session.scalars(held))

    undecided = ballots(HeldRecord.decision.is_(None))
    return undecided, ballots(HeldRecord.decision == "leave_out") - undecided


def held_records(undecided_only: bool = False) -> list[dict[str, Any]]:
    """Every hold with its record, its station and its evidence, for the board to compare side by side."""
    query = (
        sa.select(HeldRecord, Record.device_id, Record.sequence, Record.cast_minute, Record.ballot_id, Device.station_name,
                  Device.zero_report_at, Device.package_loaded_at)
        .join(Record, Record.id == HeldRecord.record_id).join(Device, Device.device_id == Record.device_id)
        .order_by(HeldRecord.id)
    )
    if undecided_only:
        query = query.where(HeldRecord.decision.is_(None))
    return [
        {"hold": row.HeldRecord, "evidence": json.loads(row.HeldRecord.evidence), "device_id": row.device_id, "sequence": row.sequence,
         "cast_minute": row.cast_minute, "ballot_id": row.ballot_id, "station": row.station_name,
         "zero_report_at": row.zero_report_at, "package_loaded_at": row.package_loaded_at}
        for row in db.session.execute(query)
    ]


def decide_hold(hold_id: int, decision: str, reason: str, decided_by: str, approved_by: str, now: datetime) -> HeldRecord:
    """Record the board's decision on a held record: two different clerks and a reason, never changed afterwards."""
    if decision not in ("count", "leave_out"):
        raise ValueError("the decision is count or leave_out")
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise ValueError("write the reason for the decision")
    if decided_by == approved_by:
        raise NotApproved("the second clerk must be someone else than the first")
    with writing(db.session):
        hold = db.session.get(HeldRecord, hold_id)
        if hold is None:
            raise LookupError(f"there is no held record {hold_id}")
        if hold.decision is not None:
            raise ValueError(f"held record {hold_id} was decided already ({hold.decision}, by {hold.decided_by} and {hold.approved_by})")
        hold.decision, hold.decision_reason, hold.decided_by, hold.approved_by, hold.decided_at = decision, reason, decided_by, approved_by, now
        audit("decide_held", decided_by, approved_by, now, hold=hold_id, record=hold.record_id, held_for=hold.reason, decision=decision, reason=reason)
    return hold


def hold_totals() -> dict[str, int]:
    undecided = db.session.scalar(sa.select(sa.func.count(sa.distinct(HeldRecord.record_id))).where(HeldRecord.decision.is_(None))) or 0
    return {"undecided": undecided, "holds": db.session.scalar(sa.select(sa.func.count()).select_from(HeldRecord)) or 0}


# What a count reads ---------------------------------------------------------------------


@dataclass
class CountInputs:
    """Everything a count opens and counts, and what it leaves out and why."""

    records: list[Any]
    paper: list[tuple[str, str]]
    imported: list[tuple[str, str]]
    left_out_duplicates: list[str]
    held_undecided: list[str]
    held_left_out: list[str]
    held_counted: list[str]
    stations: dict[str, str]


COUNT_CHECK_ROUNDS = 3  # records may keep arriving while the count checks the last ones


def count_inputs(package: packages.ElectionPackage) -> CountInputs:
    """Hold what is suspicious, then read what the count opens: records by hash order, paper and imported ballots.

    A record with any undecided hold, or one the board left out, is not read.
    A voting code used twice at one station, none of its records held, keeps
    the rule that the first cast counts; otherwise the board decides (see
    `code_duplicates`). Only records whose own signature has been checked are
    read: one stored after the last check waits for the next count.
    """
    for _ in range(COUNT_CHECK_ROUNDS):
        verify_pending()
        if not unchecked_count():
            break
    with writing(db.session):
        find_holds(package)
    undecided = set(db.session.scalars(sa.select(HeldRecord.record_id).where(HeldRecord.decision.is_(None))))
    left_out = set(db.session.scalars(sa.select(HeldRecord.record_id).where(HeldRecord.decision == "leave_out"))) - undecided
    decided_in = set(db.session.scalars(sa.select(HeldRecord.record_id).where(HeldRecord.decision == "count"))) - undecided - left_out
    decided_or_held = sa.select(Record.id, Record.ballot_id).where(Record.id.in_(undecided | left_out | decided_in))
    ballot_of = {row.id: row.ballot_id for row in db.session.execute(decided_or_held)}
    kept_from_the_count = {ballot_of[record_id] for record_id in undecided | left_out}
    one_station = sorted(
        row.ballot_id
        for group in code_duplicates()
        for row in group["not_counted"]
        if row.ballot_id not in kept_from_the_count  # a held record is counted once, as held
    )
    excluded_ballots = set(one_station)
    records = [
        row
        for row in db.session.connection().execute(  # rows, not ORM objects: a count reads a million
            sa.select(Record.id, Record.sealed, Record.device_id, Record.ballot_id, Record.record_hash, Record.cast_minute, Record.sequence, Record.code_hash)
            .where(sa.select(RecordCheck.record_id).where(RecordCheck.record_id == Record.id).exists())
            .order_by(Record.record_hash)
        )
        if not (row.id in undecided or row.id in left_out or row.ballot_id in excluded_ballots)
    ]
    return CountInputs(
        records=records,
        paper=agreed_paper_ballots(),
        imported=imported_ballots(),
        left_out_duplicates=one_station,
        held_undecided=sorted(ballot_of[record_id] for record_id in undecided),
        held_left_out=sorted(ballot_of[record_id] for record_id in left_out),
        held_counted=sorted(ballot_of[record_id] for record_id in decided_in),
        stations={row.device_id: row.station_name for row in db.session.execute(sa.select(Device.device_id, Device.station_name))},
    )


def paper_entries() -> list[PaperEntry]:
    return list(db.session.scalars(sa.select(PaperEntry).order_by(PaperEntry.sheet, PaperEntry.id)))


def agreed_paper_ballots() -> list[tuple[str, str]]:
    """(sheet, choices) of every sheet two different people typed alike, by sheet."""
    typed: dict[str, list[PaperEntry]] = {}
    for entry in paper_entries():
        typed.setdefault(entry.sheet, []).append(entry)
    agreed = []
    for sheet, entries in typed.items():
        match = next(
            (
                first.choices
                for position, first in enumerate(entries)
                for second in entries[position + 1 :]
                if first.choices == second.choices and first.entered_by != second.entered_by
            ),
            None,
        )
        if match is not None:
            agreed.append((sheet, match))
    return agreed


def imported_ballots() -> list[tuple[str, str]]:
    """(file hash, choices) of every imported ballot."""
    rows = db.session.execute(
        sa.select(ImportedFile.sha256, ImportedBallot.choices).join(ImportedFile, ImportedFile.id == ImportedBallot.file_id).order_by(ImportedBallot.id)
    )
    return [(row.sha256, row.choices) for row in rows]


# Follow-up: participation and what became of the winners -----------------------------


def station_cast_minutes() -> list[tuple[str, str]]:
    """(station name, cast minute) of every stored record, in no meaningful order: for counting only."""
    rows = db.session.execute(
        sa.select(Device.station_name, Record.cast_minute).join(Device, Device.device_id == Record.device_id).order_by(Device.station_name, Record.cast_minute)
    )
    return [(station, minute) for station, minute in rows]


def counter_totals() -> dict[str, int]:
    """The stations' participation counters summed over stations and days: what the report shows."""
    rows = db.session.execute(
        sa.select(ParticipationCounter.name, sa.func.sum(ParticipationCounter.count)).group_by(ParticipationCounter.name).order_by(ParticipationCounter.name)
    )
    return {name: int(total) for name, total in rows}


def eligible_population() -> dict[str, int]:
    return {row.area: row.population for row in db.session.scalars(sa.select(EligiblePopulation).order_by(EligiblePopulation.area))}


def set_eligible_population(area: str, population: int, entered_by: str) -> None:
    with writing(db.session):
        row = db.session.get(EligiblePopulation, area)
        if row is None:
            db.session.add(EligiblePopulation(area=area, population=population, entered_by=entered_by, at=now()))
        else:
            row.population, row.entered_by, row.at = population, entered_by, now()


def add_project_update(
    project_id: str, status: str, on_date: str, texts: dict[str, str], reason: str | None, entered_by: str,
    photo: tuple[bytes, str] | None = None,
) -> ProjectUpdate:
    with writing(db.session):
        update = ProjectUpdate(
            project_id=project_id,
            status=status,
            on_date=on_date,
            texts=json.dumps(texts, ensure_ascii=False, sort_keys=True),
            reason=reason,
            entered_by=entered_by,
            at=now(),
            photo=photo[0] if photo else None,
            photo_type=photo[1] if photo else None,
        )
        db.session.add(update)
    return update


def project_update_photo(update_id: int) -> tuple[bytes, str] | None:
    row = db.session.execute(sa.select(ProjectUpdate.photo, ProjectUpdate.photo_type).where(ProjectUpdate.id == update_id)).first()
    return (row.photo, row.photo_type) if row and row.photo and row.photo_type else None


def project_updates() -> list[ProjectUpdate]:
    """Every entry of every project's history, newest first."""
    return list(db.session.scalars(sa.select(ProjectUpdate).order_by(ProjectUpdate.at.desc(), ProjectUpdate.id.desc())))
    return LoginResult(False)


# Paper and vote files from other platforms ------------------------------------------


def add_paper_entry(sheet: str, choices: str, entered_by: str, now: datetime) -> bool:
    """Store one person's typing of a sheet; False (nothing stored) when this person typed the sheet before."""
    with writing(db.session):
        typed_before = db.session.scalar(
            sa.select(sa.func.count()).select_from(PaperEntry).where(PaperEntry.sheet == sheet, PaperEntry.entered_by == entered_by)
        )
        if typed_before:
            return False
        db.session.add(PaperEntry(sheet=sheet, entered_by=entered_by, at=now, choices=choices))
    return True


def imported_file_exists(sha256: str) -> bool:
    return db.session.scalar(sa.select(ImportedFile.id).where(ImportedFile.sha256 == sha256)) is not None


def add_imported_file(sha256: str, source: str, filename: str, ballots: list[str], imported_by: str, approved_by: str, now: datetime) -> ImportedFile:
    """A file of votes, its ballots and the audit entry of both clerks, in one transaction."""
    with writing(db.session):
        record = ImportedFile(sha256=sha256, source=source, filename=filename, imported_by=imported_by, at=now, ballots=len(ballots))
        db.session.add(record)
        db.session.flush()
        audit("import_votes", imported_by, approved_by, now, file=filename, sha256=sha256, source=source, ballots=len(ballots))
        for start in range(0, len(ballots), INSERT_BATCH):
            db.session.execute(sa.insert(ImportedBallot), [{"file_id": record.id, "choices": text} for text in ballots[start : start + INSERT_BATCH]])
    return record


def imported_files() -> list[ImportedFile]:
    return list(db.session.scalars(sa.select(ImportedFile).order_by(ImportedFile.id)))


# Counts --------------------------------------------------------------------------------


def refresh_holds(package: packages.ElectionPackage) -> int:
    """Hold, in a transaction of its own, whatever the rules hold now (before a clerk lists the held records)."""
    with writing(db.session):
        return find_holds(package)


def stored_and_distinct_ballots() -> tuple[int, int]:
    """Records stored and distinct ballot ids among them: the difference is a duplicate that got through."""
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(Record)) or 0
    distinct = db.session.scalar(sa.select(sa.func.count(sa.func.distinct(Record.ballot_id)))) or 0
    return stored, distinct


def missing_closing_reports() -> int:
    """Stations whose closing report has not arrived, read afresh each time (the session's snapshot ends here)."""
    missing = db.session.scalar(sa.select(sa.func.count()).select_from(Device).where(Device.closing_report.is_(None))) or 0
    db.session.rollback()
    return missing


INSERT_BATCH = 5_000


def save_count(count: Count, opened: list[tuple[str, str | None, str | None]], codes: list[str]) -> Count:
    """Store a count, its ballots (channel, choices, invalid reason) and its tracking codes in one transaction: whole or absent.

    A count of the same inputs with another outcome is named in `differs_from`.
    """
    earlier = db.session.scalars(
        sa.select(Count).where(Count.input_hash == count.input_hash, Count.outcome_hash != count.outcome_hash).order_by(Count.id)
    ).first()
    with writing(db.session):
        count.differs_from = earlier.id if earlier else None
        db.session.add(count)
        db.session.flush()
        for start in range(0, len(opened), INSERT_BATCH):
            insert_many(CountedBallot.__table__, ("count_id", "position", "channel", "choices", "invalid_reason"),
                        [[count.id, start + offset, *ballot] for offset, ballot in enumerate(opened[start : start + INSERT_BATCH])], plain=True)
        for start in range(0, len(codes), INSERT_BATCH):
            insert_many(CountedCode.__table__, ("count_id", "code"), [[count.id, code] for code in codes[start : start + INSERT_BATCH]], plain=True)
    return count


def note_key_holders(count: Count, holders: list[str] | None) -> None:
    """Record on the count who opened the key: board members' names, or none for one passphrase."""
    with writing(db.session):
        count.key_holders = json.dumps(holders or [], ensure_ascii=False)


def get_count(count_id: int) -> Count | None:
    return db.session.get(Count, count_id)


def latest_published_count() -> Count | None:
    return db.session.scalars(sa.select(Count).where(Count.published_at.is_not(None)).order_by(Count.published_at.desc(), Count.id.desc())).first()


def all_counts() -> list[Count]:
    return list(db.session.scalars(sa.select(Count).order_by(Count.id.desc())))


def mark_published(count: Count, now: datetime, published_by: str, approved_by: str, **detail: Any) -> Count:
    """Publish the count and record both clerks in the audit log, in one transaction."""
    with writing(db.session):
        count.published_at = now
        audit("publish", published_by, approved_by, now, count=count.id, **detail)
    return count


def counted_choices(count: Count) -> list[tuple[str, str]]:
    """(channel, choices as stored) of the count's valid ballots, in their shuffled order."""
    rows = db.session.execute(
        sa.select(CountedBallot.channel, CountedBallot.choices)
        .where(CountedBallot.count_id == count.id, CountedBallot.choices.is_not(None))
        .order_by(CountedBallot.position)
    )
    return [(channel, choices) for channel, choices in rows]


def tracking_codes(count: Count) -> list[str]:
    return list(db.session.scalars(sa.select(CountedCode.code).where(CountedCode.count_id == count.id).order_by(CountedCode.code)))


def was_counted(count: Count, code: str) -> bool:
    return db.session.get(CountedCode, (count.id, code)) is not None


# The publication -----------------------------------------------------------------------


def publication_of(count: Count) -> Publication | None:
    return db.session.get(Publication, count.id)


def add_publication(count: Count, now: datetime, sha256: str, archive: bytes) -> Publication:
    with writing(db.session):
        made = Publication(count_id=count.id, at=now, sha256=sha256, archive=archive)
        db.session.add(made)
    return made


def record_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Record)) or 0


def devices_by_station() -> list[Device]:
    return list(db.session.scalars(sa.select(Device).order_by(Device.station_name, Device.device_id)))


def devices_by_id() -> list[Device]:
    return list(db.session.scalars(sa.select(Device).order_by(Device.device_id)))


def record_hashes(device_id: str) -> list[tuple[str, str]]:
    """(record hash, ballot id) of every record a device sent."""
    return [(record_hash, ballot_id) for record_hash, ballot_id in db.session.execute(
        sa.select(Record.record_hash, Record.ballot_id).where(Record.device_id == device_id))]


def package_file() -> bytes | None:
    return db.session.scalar(sa.select(Election.file))


# The dashboard -------------------------------------------------------------------------


def ballots_by_hour() -> list[tuple[str, int]]:
    """(UTC hour as YYYY-MM-DDTHH, ballots cast in it) from each record's cast minute, oldest first."""
    rows = db.session.execute(
        sa.select(sa.func.substr(Record.cast_minute, 1, 13).label("hour"), sa.func.count()).group_by("hour").order_by("hour")
    ).all()
    return [(hour, number) for hour, number in rows]


# Background jobs (the runner, its thread and its secrets are in jobs.py) -------------------


class JobBusy(Exception):
    """A job of this kind is already queued or running; its id is `job_id`."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"job {job_id} is already queued or running")
        self.job_id = job_id


def job(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


def active_job(kind: str) -> Job | None:
    return db.session.scalars(sa.select(Job).where(Job.kind == kind, Job.state.in_(("queued", "running"))).order_by(Job.id)).first()


def recent_jobs(limit: int = 20) -> list[Job]:
    return list(db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(limit)))


def add_job(kind: str, requested_by: str, running: bool = False, one_of_kind: bool = True) -> int:
    """Queue a job (or start it here, `running`), one of each kind at a time unless told otherwise; its id. Raises JobBusy."""
    with writing(db.session):
        busy = active_job(kind) if one_of_kind else None
        if busy is not None:
            raise JobBusy(busy.id)
        job = Job(kind=kind, state="running" if running else "queued", phase="", done=0, total=0, message="", requested_by=requested_by,
                  queued_at=now(), started_at=now() if running else None)
        db.session.add(job)
        db.session.flush()
        return job.id


def requeue_running_jobs(kind_needing_a_key: str, waiting_for_key: str) -> int:
    """Jobs left running by an office that stopped go back to the queue, those of `kind_needing_a_key` saying they wait; how many."""
    with writing(db.session):
        return db.session.execute(sa.update(Job).where(Job.state == "running").values(
            state="queued", phase="", done=0, message=sa.case((Job.kind == kind_needing_a_key, waiting_for_key), else_=""))).rowcount


def queued_jobs() -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.state == "queued").order_by(Job.id)).all())


def claim_job(job_id: int) -> bool:
    """Mark a queued job running; False when another worker claimed it first."""
    with writing(db.session):
        return bool(db.session.execute(
            sa.update(Job).where(Job.id == job_id, Job.state == "queued").values(state="running", started_at=now(), message="")
        ).rowcount)


def job_progress(job_id: int, phase: str, done: int, total: int) -> None:
    """Write a job's progress on its own connection, so the page sees it while the job's transaction is open."""
    with db.engine.begin() as connection:
        connection.execute(sa.update(Job).where(Job.id == job_id).values(phase=phase, done=done, total=total))


def finish_job(job_id: int, state: str, message: str, result_id: int | None) -> None:
    with writing(db.session):
        db.session.execute(sa.update(Job).where(Job.id == job_id).values(state=state, message=message, result_id=result_id, finished_at=now()))
