"""Shared fixtures: keys, signed demo packages, a station app on a real SQLite file, a voter."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient

from vallokal.demo import demo_document
from vallokal.election import keys, package as packages
from vallokal.kiosk import create_app, prepare, store

STAFF_PIN = "246810"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def authority_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def sealing_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture(scope="session")
def make_document(authority_key: Ed25519PrivateKey, sealing_key: X25519PrivateKey) -> Callable[..., dict[str, Any]]:
    """A demo package document; keyword arguments go to demo_document."""

    def make(**options: Any) -> dict[str, Any]:
        return demo_document(
            keys.public_text(authority_key), keys.public_text(sealing_key), datetime.now(timezone.utc), **options
        )

    return make


@pytest.fixture(scope="session")
def signed_package(make_document: Callable[..., dict[str, Any]], authority_key: Ed25519PrivateKey) -> bytes:
    """The signed demo package file: knapsack, open check-in, window around today."""
    return packages.build_file(make_document(), authority_key)


@pytest.fixture
def make_station(tmp_path: Path, authority_key: Ed25519PrivateKey, make_document: Callable[..., dict[str, Any]]) -> Callable[..., Flask]:
    """A station on a fresh data folder with a package loaded, a staff PIN and the polls open."""

    made = []

    def make(document: dict[str, Any] | None = None, open_polls: bool = True, **config: Any) -> Flask:
        made.append(document)
        app = create_app(
            {"AUTHORITY_KEY": keys.public_text(authority_key), "STATION_NAME": "Testbiblioteket", **config},
            data_dir=tmp_path / f"station-{len(made)}",
        )
        prepare(app)
        now = datetime.now(timezone.utc)
        with app.app_context():
            store.load_package(packages.build_file(document or make_document(), authority_key), now)
            store.set_pin(STAFF_PIN)
            if open_polls:
                store.open_polls(now)
        return app

    return make


@pytest.fixture
def app(make_station: Callable[..., Flask]) -> Flask:
    return make_station()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Voter:
    """Drives the voter pages the way a browser without JavaScript would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, path: str = "/") -> str:
        page = self.client.get(path)
        match = CSRF_FIELD.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, token_from: str = "/", **kwargs: Any):
        fields = {"csrf_token": self.token(token_from), **(data or {})}
        return self.client.post(path, data=fields, **kwargs)

    def check_in(self, code: str | None = None, pin: str | None = None):
        response = self.post("/start")
        assert response.status_code == 302, response.get_data(as_text=True)
        target = response.headers["Location"]
        if target.endswith("/eligibility"):
            return self.post("/eligibility", {"confirm": "yes"}, token_from="/eligibility")
        if target.endswith("/code"):
            return self.post("/code", {"code": code or ""}, token_from="/code")
        return self.post("/activate", {"pin": pin or ""}, token_from="/activate")

    def choose(self, **fields: Any):
        return self.post("/ballot", fields, token_from="/ballot")

    def cast(self):
        return self.post("/cast", token_from="/review")

    def receipt_code(self) -> str:
        page = self.client.get("/receipt").get_data(as_text=True)
        match = re.search(r'<span aria-hidden="true">([0-9A-Z-]{14})</span>', page)
        assert match, page
        return match.group(1)

    def vote(self, **fields: Any) -> str:
        assert self.check_in().status_code == 302
        response = self.choose(**fields)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert self.cast().status_code == 302
        return self.receipt_code()


@pytest.fixture
def voter(client: FlaskClient) -> Voter:
    return Voter(client)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def hours(count: float) -> timedelta:
    return timedelta(hours=count)
