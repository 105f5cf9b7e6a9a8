"""An office on SQLite and on a real PostgreSQL, stations enrolled with it, and a live office server.

A plugin of tests/conftest.py, so the office's tests and the station-to-office chain's tests share them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import served
from syncing import PASSWORD, Election
from vallokal.election import keys, package as packages
from vallokal.sync.office import create_app as create_office, jobs as office_jobs, prepare as prepare_office, store as office_store

POSTGRES_URL = os.environ.get("VALLOKAL_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> Iterator[str | None]:
    """None for SQLite in the office's folder; else a fresh PostgreSQL schema, dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    schema = f"test_{secrets.token_hex(6)}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture
def election_options() -> dict:
    """Options for the election's package document; a test may parametrize it (check-in mode, codes)."""
    return {}


@pytest.fixture
def election(database_url, tmp_path: Path, authority_key, make_document, election_options) -> Iterator[Election]:
    office = create_office(
        {"AUTHORITY_KEY": keys.public_text(authority_key), "DATABASE_URL": database_url, "SESSION_COOKIE_SECURE": False,
         "VERIFY_IN_BACKGROUND": False},
        data_dir=tmp_path / "office",
    )
    prepare_office(office)
    office_public = keys.public_text(office.extensions["vallokal_office_key"])
    package_file = packages.build_file(make_document(office_signing_public=office_public, **election_options), authority_key)
    with office.app_context():
        office_store.load_package(package_file)
    yield Election(office, package_file, tmp_path, authority_key, make_document)
    office_jobs.wait(office)
    with office.app_context():
        office_store.db.session.remove()
        office_store.db.engine.dispose()


@pytest.fixture
def live_office(election: Election) -> Iterator[str]:
    with served(election.office) as url:
        yield url


@pytest.fixture
def staff(election: Election):
    """A client for the office, with a staff account "anna" (not logged in yet)."""
    with election.office.app_context():
        office_store.add_user("anna", PASSWORD)
    return election.office.test_client()
