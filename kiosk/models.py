"""What a station keeps: its settings, the loaded package, the ballot chain and its log.

Ballot records are append-only (database triggers refuse UPDATE and DELETE);
they hold choices only sealed to the office. Nothing here names a voter.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..web.clock import now as utc_now
from .extensions import db


class Station(db.Model):
    """The single row of this device's settings and polls state."""

    __tablename__ = "station"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("polls IN ('closed', 'open')", name="polls_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200))
    device_id: Mapped[str] = mapped_column(String(64))
    pin_hash: Mapped[str | None] = mapped_column(String(300))
    failed_pin_attempts: Mapped[int] = mapped_column(default=0)
    pin_locked_until: Mapped[datetime | None]
    polls: Mapped[str] = mapped_column(String(10), default="closed")
    paused: Mapped[bool] = mapped_column(default=False)


class LoadedPackage(db.Model):
    """The package this station runs: the signed file as received, and its hash."""

    __tablename__ = "election_package"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    election_id: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    file: Mapped[bytes] = mapped_column(LargeBinary)
    loaded_at: Mapped[datetime] = mapped_column(default=utc_now)


class BallotRecord(db.Model):
    """One cast ballot as signed by this device; see election.envelope.BallotRecord."""

    __tablename__ = "ballot_record"

    sequence: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    election_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(64))
    ballot_id: Mapped[str] = mapped_column(String(32), unique=True)
    sealed: Mapped[str] = mapped_column(Text)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    previous_hash: Mapped[str] = mapped_column(String(64))
    cast_minute: Mapped[str] = mapped_column(String(17))
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[str] = mapped_column(String(100))


class SpentCheckIn(db.Model):
    """A voter session that has cast, so that a double tap or reload stores one ballot."""

    __tablename__ = "spent_check_in"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sequence: Mapped[int] = mapped_column(ForeignKey("ballot_record.sequence"))


EVENT_KINDS = (
    "station_created",
    "package_loaded",
    "polls_opened",
    "polls_closed",
    "ballot_cast",
    "pin_changed",
    "pin_failed",
    "pin_locked",
    "error",
    "polls_paused",
    "polls_resumed",
    "tablet_named",
    "tablet_forgotten",
    "tablet_activated",
    "sync_requested",
    "exported",
    "clock_wrong",
)


class Event(db.Model):
    """The station's log. A ballot_cast event names its sequence, never its content."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("kind IN (" + ", ".join(f"'{kind}'" for kind in EVENT_KINDS) + ")", name="event_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="{}")


class SyncState(db.Model):
    """Where this device's delivery to the office stands (one row)."""

    __tablename__ = "sync_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    acknowledged: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    closing_acknowledged: Mapped[str | None] = mapped_column(String(40))


class Tablet(db.Model):
    """A browser that staff named on this station, so they can start a vote on it from another device."""

    __tablename__ = "tablet"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    named_at: Mapped[datetime] = mapped_column(default=utc_now)
    activated_at: Mapped[datetime | None]


class PairingCode(db.Model):
    """A one-time code that pairs one browser as a tablet: valid ten minutes, used once; only its hash is kept."""

    __tablename__ = "pairing_code"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(60))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ParticipationCounter(db.Model):
    """One anonymous counter per local polling day and name (see election.participation): never a row per voter.

    Without a rowid, rows are kept in key order; all of a day's names are created together at zero,
    so nothing in the table says which counter was raised first.
    """

    __tablename__ = "participation_counter"
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
