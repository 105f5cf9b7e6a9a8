"""Every query and transaction of the office: ingest and merge, devices, alerts, staff.

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

from ...web import passwords
from ...web.sqlite import writing
from ...election import certificate as certificates, keys, package as packages
from .. import bundle as bundles, fields
from .extensions import db
from .models import Alert, Bundle, Device, Election, OfficeUser, Record

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
    trusted = current_app.config.get("AUTHORITY_KEY")
    if not trusted:
        raise Refused("AUTHORITY_KEY is not set in office.toml or VALLOKAL_AUTHORITY_KEY, so the loaded package cannot be trusted", 503)
    cache = current_app.extensions.setdefault("vallokal_office_package", packages.PackageCache())
    return cache.get(digest, lambda: db.session.get(Election, 1).file, trusted)


def load_package(file: bytes) -> packages.ElectionPackage:
    """Install the election this office runs; refuse to swap it once records exist."""
    trusted = current_app.config.get("AUTHORITY_KEY")
    if not trusted:
        raise packages.PackageError("config: AUTHORITY_KEY is not set, so no package can be trusted")
    signed = packages.read_file(file, trusted)
    office_key = current_app.extensions["vallokal_office_key"]
    if signed.package.office_signing_key != keys.public_text(office_key):
        raise packages.PackageError(
            "$.keys.office_signing: the package does not name this office's signing key "
            f"({keys.fingerprint(keys.public_text(office_key))}); stations could not trust its answers"
        )
    row = db.session.get(Election, 1)
    if row is not None and row.sha256 != signed.package.hash and db.session.scalar(sa.select(sa.func.count()).select_from(Record)):
        raise packages.PackageError(f"package: records of election {row.election_id} are already stored")
    if row is None:
        db.session.add(Election(id=1, election_id=signed.package.id, sha256=signed.package.hash, file=file))
    else:
        row.election_id, row.sha256, row.file = signed.package.id, signed.package.hash, file
    db.session.commit()
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
    db.session.commit()
    return issued


def revoke(device_id: str, reason: str, now: datetime) -> None:
    """Refuse the device's later bundles; what it already delivered stays."""
    device = db.session.get(Device, device_id)
    if device is None:
        raise LookupError(f"no device {device_id}")
    if device.revoked_at is None:
        device.revoked_at, device.revoke_reason = now, reason
        db.session.commit()


# Ingest ---------------------------------------------------------------------------


def die_with_parent(parent: int) -> None:
    """In a verifier process: end when the office process ends, even if it was killed (Linux)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(0)


def verifier() -> ProcessPoolExecutor | None:
    """Worker processes that check record signatures in parallel, started on first need."""
    processes = current_app.config.get("VERIFY_PROCESSES", os.cpu_count() or 1)
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
    new_rows: list[dict[str, Any]]


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
        bundles.verify(bundle, certificate.public_key, verifier())
    except bundles.BundleError as error:
        raise Refused(str(error), error.status) from None

    for attempt in range(3):
        try:
            with writing(db.session):
                outcome = _merge(bundle, certificate, package, channel, now)
            if outcome.new_rows:
                _flag_after_merge(outcome.device_id, package, outcome.new_rows)
            return outcome
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise Refused("the office is busy with the same records; send again", 503) from None
    raise AssertionError("unreachable")


def _merge(bundle: bundles.Bundle, certificate: certificates.Certificate, package: packages.ElectionPackage, channel: str, now: datetime) -> Outcome:
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
        alert("revoked_device", device.device_id, reason=reason, records=len(bundle.records))
        raise Refused(reason, 403)

    results: list[dict[str, Any]] = []
    new_rows: list[dict[str, Any]] = []
    if bundle.records:
        first, last = bundle.records[0].record.sequence, bundle.records[-1].record.sequence
        stored = {
            row.sequence: row
            for row in db.session.execute(
                sa.select(Record.sequence, Record.record_hash, Record.previous_hash).where(
                    Record.device_id == device.device_id, Record.sequence.between(first - 1, last + 1)
                )
            )
        }
        before, after = stored.get(first - 1), stored.get(last + 1)
        if before is not None and before.record_hash != bundle.records[0].record.previous_hash:
            _conflict(device.device_id, first, "does not link to the stored record before it")
        if after is not None and after.previous_hash != bundle.records[-1].record.hash:
            _conflict(device.device_id, last, "the stored record after it does not link to it")
        for item in bundle.records:
            record = item.record
            known = stored.get(record.sequence)
            if known is not None:
                if known.record_hash != record.hash:
                    _conflict(device.device_id, record.sequence, "differs from the stored record with this sequence")
                results.append({"sequence": record.sequence, "status": "already_had"})
                continue
            results.append({"sequence": record.sequence, "status": "accepted"})
            new_rows.append(
                {
                    "device_id": device.device_id,
                    "sequence": record.sequence,
                    "election_id": record.election_id,
                    "ballot_id": record.ballot_id,
                    "sealed": record.sealed,
                    "code_hash": record.code_hash,
                    "previous_hash": record.previous_hash,
                    "cast_minute": record.cast_minute,
                    "record_hash": record.hash,
                    "signature": item.signature,
                }
            )
        if new_rows:
            clash = db.session.scalar(
                sa.select(Record.ballot_id).where(Record.ballot_id.in_([row["ballot_id"] for row in new_rows])).limit(1)
            )
            if clash is not None:
                _conflict(device.device_id, None, f"ballot id {clash} is already stored with other content")

    bundle_id = db.session.scalar(sa.select(Bundle.id).where(Bundle.sha256 == bundle.sha256))
    if bundle_id is None:
        bundle_id = db.session.scalar(
            sa.insert(Bundle)
            .values(
                sha256=bundle.sha256,
                device_id=device.device_id,
                channel=channel,
                received_at=now,
                records_in_bundle=len(bundle.records),
                records_accepted=len(new_rows),
            )
            .returning(Bundle.id)
        )
    if new_rows:
        db.session.execute(Record.__table__.insert(), [{**row, "bundle_id": bundle_id} for row in new_rows])
    device.received += len(new_rows)
    closing_before = device.closing_at
    device.high_water = _high_water(device.device_id, device.high_water)
    if bundle.closing_report:
        _note_closing_report(device, bundle.closing_report)
    if new_rows or device.closing_at != closing_before:
        device.last_contact = now  # a replayed bundle brings nothing new, so it does not hide a silent station
    return Outcome(device.device_id, results, device.high_water, bundle.sha256, new_rows)


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
    if isinstance(ballots, int) and (head is None or isinstance(head, str)) and isinstance(at, str):
        if device.closing_at is None or at >= device.closing_at:
            device.closing_ballots, device.closing_head, device.closing_at = ballots, head, at


def _flag_after_merge(device_id: str, package: packages.ElectionPackage, rows: list[dict[str, Any]]) -> None:
    """Alerts that do not stop a merge: casts outside the window, a code used at two stations."""
    opens = package.opens.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    closes = package.closes.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    outside = [row["sequence"] for row in rows if not (opens <= row["cast_minute"] <= closes)]
    if outside:
        alert("outside_window", device_id, sequences=outside[:50], count=len(outside))
    codes = [row["code_hash"] for row in rows if row["code_hash"]]
    if codes:
        reused = db.session.execute(
            sa.select(Record.code_hash).where(Record.code_hash.in_(codes)).group_by(Record.code_hash).having(sa.func.count() > 1)
        ).scalars().all()
        for code_hash in reused:
            alert("code_used_twice", device_id, code_hash=code_hash)


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
                "silent": device.last_contact is not None and datetime.now(timezone.utc) - as_utc(device.last_contact) > SILENT_AFTER,
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
    """Every voting code used on more than one record, with the one that counts.

    The rule: the record cast earliest (by cast minute) counts; on a tie, the
    one whose device id sorts first, then the lower sequence. The others stay
    stored and visible here, and are left out of the count.
    """
    reused = sa.select(Record.code_hash).where(Record.code_hash.is_not(None)).group_by(Record.code_hash).having(sa.func.count() > 1)
    rows = db.session.execute(
        sa.select(Record.code_hash, Record.device_id, Record.sequence, Record.cast_minute, Record.ballot_id)
        .where(Record.code_hash.in_(reused))
        .order_by(Record.code_hash, Record.cast_minute, Record.device_id, Record.sequence)
    ).all()
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.code_hash, []).append(row)
    return [{"code_hash": code, "counted": records[0], "not_counted": records[1:]} for code, records in groups.items()]


def totals() -> dict[str, int]:
    return {
        "records": db.session.scalar(sa.select(sa.func.count()).select_from(Record)) or 0,
        "devices": db.session.scalar(sa.select(sa.func.count()).select_from(Device)) or 0,
    }


# Staff accounts ------------------------------------------------------------------


def add_user(username: str, password: str) -> None:
    if len(password) < 12:
        raise ValueError("a password has at least 12 characters")
    existing = db.session.scalar(sa.select(OfficeUser).where(OfficeUser.username == username))
    if existing is None:
        db.session.add(OfficeUser(username=username, password_hash=passwords.hash_secret(password), failed_attempts=0))
    else:
        existing.password_hash, existing.failed_attempts, existing.locked_until = passwords.hash_secret(password), 0, None
    db.session.commit()


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
            user.failed_attempts, user.locked_until = 0, None
            db.session.commit()
        return LoginResult(True)
    return LoginResult(False)
