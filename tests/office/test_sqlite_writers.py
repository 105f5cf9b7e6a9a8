"""The office on SQLite: a write that reads first never fails because the background verifier committed meanwhile."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from syncing import PASSWORD, now
from vallokal.sync.office import store as office_store
from vallokal.sync.office.models import Device, Record


def another_connection_writes() -> None:
    """What the verifier or an ingest thread does in its own connection: write and commit."""
    with office_store.db.engine.connect() as other:
        other.exec_driver_sql("INSERT INTO audit_entry (at, action, done_by, detail) VALUES ('2026-12-01 10:00:00', 'test', 'test', '{}')")
        other.commit()


@pytest.fixture
def database_url() -> None:
    """SQLite only: a snapshot conflict is SQLite's (PostgreSQL waits for the row lock instead)."""
    return None


@pytest.fixture
def sqlite_office(election):
    with election.office.app_context():
        office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Record))  # a page read first: its snapshot is open
        another_connection_writes()
        yield election


def test_a_clerk_is_added_after_another_connection_wrote(sqlite_office):
    office_store.add_user("anna", PASSWORD)
    assert office_store.user_exists("anna")


def test_a_device_is_revoked_after_another_connection_wrote(sqlite_office):
    office_store.db.session.rollback()
    office_store.db.session.add(Device(device_id="dev-1", station_name="Tensta", public_key="x", certificate="{}", enrolled_at=now(),
                                       high_water=0, received=0))
    office_store.db.session.commit()
    office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Record))
    another_connection_writes()
    office_store.revoke("dev-1", "stolen", now())
    assert office_store.db.session.get(Device, "dev-1").revoked_at is not None


def test_a_wrong_password_is_counted_after_another_connection_wrote(sqlite_office):
    office_store.db.session.rollback()
    office_store.add_user("anna", PASSWORD)
    office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Record))
    another_connection_writes()
    assert not office_store.try_login("anna", "not the password at all", now()).accepted
    assert office_store.try_login("anna", PASSWORD, now()).accepted

