"""Shared fixtures: keys, signed demo packages, a station app on a real SQLite file, a voter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from helpers import STAFF_PIN, Voter
from vallokal.election import keys, package as packages
from vallokal.kiosk import create_app, prepare, store

from vallokal.demo import demo_document

# The office fixtures (an office on SQLite and PostgreSQL, a live office server) serve tests/office, tests/sync and the browser tests.
pytest_plugins = ["office_fixtures"]


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

    def make(document: dict[str, Any] | None = None, open_polls: bool = True, assets: dict[str, bytes] | None = None, **config: Any) -> Flask:
        made.append(document)
        app = create_app(
            {"AUTHORITY_KEY": keys.public_text(authority_key), "STATION_NAME": "Testbiblioteket", **config},
            data_dir=tmp_path / f"station-{len(made)}",
        )
        prepare(app)
        now = datetime.now(timezone.utc)
        with app.app_context():
            store.load_package(packages.build_file(document or make_document(), authority_key, assets), now)
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


@pytest.fixture
def voter(client: FlaskClient) -> Voter:
    return Voter(client)
