"""What the office keeps: the election it runs, enrolled devices, every record once, alerts, staff.

Ballot records are append-only (triggers refuse UPDATE and DELETE, on SQLite and
PostgreSQL alike); choices in them stay sealed until the count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...web.clock import now as utc_now
from .extensions import db


class Election(db.Model):
    """The single election this office runs: the signed package file and its hash."""

    __tablename__ = "election"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    election_id: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    file: Mapped[bytes] = mapped_column(LargeBinary)
    loaded_at: Mapped[datetime] = mapped_column(default=utc_now)


class Device(db.Model):
    """A station's device, known by its certificate; what arrived from it and when."""

    __tablename__ = "device"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(64))
    certificate: Mapped[str] = mapped_column(Text)
    enrolled_at: Mapped[datetime] = mapped_column(default=utc_now)
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    last_contact: Mapped[datetime | None]
    high_water: Mapped[int] = mapped_column(BigInteger, default=0)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    closing_ballots: Mapped[int | None] = mapped_column(BigInteger)
    closing_head: Mapped[str | None] = mapped_column(String(64))
    closing_at: Mapped[str | None] = mapped_column(String(40))
    compromised_at: Mapped[datetime | None]
    zero_report_at: Mapped[str | None] = mapped_column(String(17))
    package_loaded_at: Mapped[str | None] = mapped_column(String(17))
    closing_report: Mapped[str | None] = mapped_column(Text)


class Bundle(db.Model):
    """One bundle as received, by network or file; the same bytes are recorded once."""

    __tablename__ = "bundle"
    __table_args__ = (CheckConstraint("channel IN ('network', 'file')", name="bundle_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.device_id"))
    channel: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(default=utc_now)
    records_in_bundle: Mapped[int]
    records_accepted: Mapped[int]


class Record(db.Model):
    """A ballot record as the device signed it, stored once.

    No foreign keys to device and bundle: the merge stores records only for the rows it has just read or
    written in the same transaction, none is ever deleted, and on PostgreSQL each key cost a query per record.
    The hash is not a unique key of its own: the office computes it over the device id and sequence, which are."""

    __tablename__ = "ballot_record"
    __table_args__ = (
        UniqueConstraint("device_id", "sequence", name="one_record_per_sequence"),
        Index("ix_ballot_record_code_hash", "code_hash"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(BigInteger)
    election_id: Mapped[str] = mapped_column(String(64))
    ballot_id: Mapped[str] = mapped_column(String(32), unique=True)
    sealed: Mapped[str] = mapped_column(Text)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    cast_minute: Mapped[str] = mapped_column(String(17))
    record_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(100))
    bundle_id: Mapped[int]


ALERT_KINDS = ("conflict", "revoked_device", "closing_mismatch", "outside_window", "code_used_twice", "held_record")


class Alert(db.Model):
    """Something staff must look at; never resolved by overwriting a record."""

    __tablename__ = "alert"
    __table_args__ = (
        CheckConstraint("kind IN (" + ", ".join(f"'{kind}'" for kind in ALERT_KINDS) + ")", name="alert_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    kind: Mapped[str] = mapped_column(String(30))
    device_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)


class OfficeUser(db.Model):
    """A member of the office's staff. Passwords are kept only as scrypt hashes."""

    __tablename__ = "office_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]


class Count(db.Model):
    """One count of the accepted records: its inputs' hash, its outcome, and whether it is published.

    A recount stores a new row. Two counts of the same inputs must give the same
    outcome; when they do not, `differs_from` names the earlier count.
    """

    __tablename__ = "count"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    counted_by: Mapped[str] = mapped_column(String(100))
    counting_rule: Mapped[str] = mapped_column(String(30))
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    outcome_hash: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(Text)
    differs_from: Mapped[int | None]
    published_at: Mapped[datetime | None]
    key_holders: Mapped[str | None] = mapped_column(Text)


class Publication(db.Model):
    """A count's publication as one zip, made once: its ballots.pb is shuffled once, so its hash holds for every download."""

    __tablename__ = "publication"

    count_id: Mapped[int] = mapped_column(ForeignKey("count.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    sha256: Mapped[str] = mapped_column(String(64))
    archive: Mapped[bytes] = mapped_column(LargeBinary)


class CountedBallot(db.Model):
    """An opened ballot as counted: the choices alone, in shuffled order, or why it was invalid."""

    __tablename__ = "counted_ballot"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("count.id"), index=True)
    position: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(10))
    choices: Mapped[str | None] = mapped_column(Text)
    invalid_reason: Mapped[str | None] = mapped_column(String(200))


class CountedCode(db.Model):
    """A tracking code whose ballot was counted; kept apart from the ballots, so nothing links them."""

    __tablename__ = "counted_code"

    count_id: Mapped[int] = mapped_column(ForeignKey("count.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)


class PaperEntry(db.Model):
    """One staff member's typing of one paper ballot. Entries are never changed: a second person types the same sheet."""

    __tablename__ = "paper_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet: Mapped[str] = mapped_column(String(40), index=True)
    entered_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utc_now)
    choices: Mapped[str] = mapped_column(Text)


class ImportedFile(db.Model):
    """A file of votes from another platform, taken once (by its hash)."""

    __tablename__ = "imported_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(300))
    imported_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utc_now)
    ballots: Mapped[int] = mapped_column(BigInteger)


class ImportedBallot(db.Model):
    """A ballot from an imported file: its choices alone (the platform's voter ids are not kept)."""

    __tablename__ = "imported_ballot"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("imported_file.id"), index=True)
    choices: Mapped[str] = mapped_column(Text)


class EligiblePopulation(db.Model):
    """How many residents of an area may vote, as a clerk entered it: the denominator of turnout."""

    __tablename__ = "eligible_population"
    __table_args__ = (CheckConstraint("population > 0", name="population_positive"),)

    area: Mapped[str] = mapped_column(String(200), primary_key=True)
    population: Mapped[int] = mapped_column(BigInteger)
    entered_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utc_now)


class ParticipationCounter(db.Model):
    """A station's anonymous participation counter for one local polling day, as its signed status last stated it.

    Kept per station and day only, never beside a record; not part of the publication.
    """

    __tablename__ = "participation_counter"

    device_id: Mapped[str] = mapped_column(ForeignKey("device.device_id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


class ProjectUpdate(db.Model):
    """What became of a winning project: one entry of its history, never edited (a later entry supersedes it)."""

    __tablename__ = "project_update"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'started', 'done', 'changed', 'cancelled')", name="project_update_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    on_date: Mapped[str] = mapped_column(String(10))
    texts: Mapped[str] = mapped_column(Text)
    """JSON: the short text per package language."""
    reason: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utc_now)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """An optional photo, as uploaded, once its type was read from its first bytes."""
    photo_type: Mapped[str | None] = mapped_column(String(20))


JOB_STATES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """A long piece of office work (a count, the verifier) run in the background, its state kept here.

    A job found running when the office starts again was interrupted: it goes
    back to the queue and starts again from its inputs, since a job stores its
    result in one transaction at its end.
    """

    __tablename__ = "job"
    __table_args__ = (CheckConstraint("state IN (" + ", ".join(f"'{state}'" for state in JOB_STATES) + ")", name="job_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    phase: Mapped[str] = mapped_column(String(30), default="")
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(String(100))
    queued_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result_id: Mapped[int | None]


HOLD_REASONS = (
    "code_used_twice",
    "earlier_than_predecessor",
    "before_zero_report",
    "before_package_load",
    "outside_window",
    "after_compromise",
    "signature_failed",
    "code_not_in_package",
)


class HeldRecord(db.Model):
    """A record kept out of the count until two clerks decide, and why; never decided by a rule alone."""

    __tablename__ = "held_record"
    __table_args__ = (
        UniqueConstraint("record_id", "reason", name="one_hold_per_reason"),
        CheckConstraint("decision IS NULL OR decision IN ('count', 'leave_out')", name="held_decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), ForeignKey("ballot_record.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    evidence: Mapped[str] = mapped_column(Text)
    held_at: Mapped[datetime] = mapped_column(default=utc_now)
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]


class AuditEntry(db.Model):
    """What a clerk did that changes the outcome or an account, with who approved it; only ever added to."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    action: Mapped[str] = mapped_column(String(40))
    done_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text, default="")


class RecordCheck(db.Model):
    """A record's own signature, checked by the background verifier after ingest (records themselves never change).

    No foreign key: the verifier writes only ids it has just read, records are never deleted, and on
    PostgreSQL the key's check locked each record again (a write per record beside ingest)."""

    __tablename__ = "record_check"

    record_id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    ok: Mapped[bool]
    checked_at: Mapped[datetime] = mapped_column(default=utc_now)
