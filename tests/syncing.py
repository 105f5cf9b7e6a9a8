"""Helpers for the sync tests: an election with its office and stations, casting, bundles."""

from __future__ import annotations

import contextlib
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from unittest import mock

import sqlalchemy as sa
from flask import Flask
from vallokal.election import keys, rules
from vallokal.kiosk import create_app as create_station, outbox, prepare as prepare_station, store as station_store
from vallokal.sync.office import store as office_store

BUNDLE_TYPE = "application/vnd.vallokal.bundle+gzip"
PASSWORD = "correct horse battery"


def token(client, path: str) -> str:
    """The CSRF token of the form on `path`."""
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def log_in(client, password: str = PASSWORD, username: str = "anna"):
    return client.post("/login", data={"csrf_token": token(client, "/login"), "username": username, "password": password})


def now() -> datetime:
    return datetime.now(timezone.utc)


class Election:
    """An office with its election loaded, and a way to make enrolled stations for it."""

    def __init__(self, office: Flask, package_file: bytes, folder: Path, authority_key, make_document) -> None:
        self.office = office
        self.package_file = package_file
        self.folder = folder
        self.authority_key = authority_key
        self.make_document = make_document
        self.stations: list[Flask] = []

    def station(self, name: str = "Tensta bibliotek", package_file: bytes | None = None, enrol: bool = True, **config: Any) -> Flask:
        app = create_station(
            {"AUTHORITY_KEY": keys.public_text(self.authority_key), "STATION_NAME": name, **config},
            data_dir=self.folder / f"station-{len(self.stations) + 1}",
        )
        prepare_station(app)
        with app.app_context():
            station_store.load_package(package_file or self.package_file, now())
            station_store.set_pin("24681012")
            station_store.open_polls(now())
            if enrol:
                request = outbox.enrolment_request()
                with self.office.app_context():
                    issued = office_store.enrol(request, self.authority_key, now())
                outbox.install_certificate(issued)
        self.stations.append(app)
        return app

    def office_records(self) -> list[tuple[str, int, str]]:
        with self.office.app_context():
            from vallokal.sync.office.models import Record

            return [tuple(row) for row in office_store.db.session.execute(
                sa.select(Record.device_id, Record.sequence, Record.record_hash).order_by(Record.device_id, Record.sequence)
            )]


def cast(station: Flask, count: int, projects: tuple[str, ...] = ("bankar", "odling"), code_hash: str | None = None, moment=None) -> None:
    """Cast ballots straight through the station's store (the voter pages are tested elsewhere).

    With a `code_hash` the records are written as whoever holds the device's key could write them: the
    station's own check that a code belongs to the package is passed by, so the office's checks are what is tested.
    """
    with station.test_request_context(), contextlib.ExitStack() as stack:
        if code_hash is not None:
            stack.enter_context(mock.patch.object(station_store, "check_code", lambda package, code: None))
        for _ in range(count):
            station_store.cast(secrets.token_hex(8), rules.Ballot(selected=projects), code_hash, station.extensions["vallokal_device_key"], moment or now())


def bundle_of(station: Flask, after: int = 0, limit: int = 500) -> bytes:
    with station.app_context():
        return outbox.make_bundle(after, limit)[0]


def post_bundle(election: Election, data: bytes, content_type: str = BUNDLE_TYPE):
    return election.office.test_client().post("/api/v1/bundles", data=data, content_type=content_type)




SECOND_CLERK = "bertil"


def add_second_clerk(election: Election, username: str = SECOND_CLERK) -> None:
    """A second clerk for what needs four eyes (importing votes, deciding held records, publishing)."""
    with election.office.app_context():
        office_store.add_user(username, PASSWORD)


def approved(data: dict[str, Any], username: str = SECOND_CLERK, password: str = PASSWORD) -> dict[str, Any]:
    """Form data with a second clerk's approval."""
    return {**data, "second_user": username, "second_password": password}


def finished_job(client, location: str, seconds: float = 60.0):
    """Follow a job's progress page until the job ends; the last response (a redirect to the result, or the page)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        response = client.get(location)
        page = response.get_data(as_text=True)
        if response.status_code != 200 or 'data-state="failed"' in page or 'data-state="done"' in page or time.monotonic() > deadline:
            return response
        time.sleep(0.05)
