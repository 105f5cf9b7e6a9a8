"""The central office: receives bundles from stations, merges them, and shows staff what arrived."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask_migrate import upgrade

from ...election import keys
from ...web import clock as clocks, headers, i18n, paper
from ...web.instance import secret_key
from ...web.settings import configured_app
from ...web.sqlite import configure as configure_sqlite
from . import admin, api, counting, followup, jobs, packaging, presentation, results, setup, store
from .authority import AuthorityError, public_keys
from .extensions import babel, csrf, db, limiter, migrate
from .settings import SETTINGS

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SIGNING_KEY_FILE = "office-signing.pem"


def create_app(
    test_config: dict[str, Any] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    clock: clocks.Clock | None = None,
) -> Flask:
    """Build the office app whose data live in `data_dir`.

    The database is SQLite in the data folder unless `DATABASE_URL` (for example
    `VALLOKAL_DATABASE_URL=postgresql+psycopg://…`) names another. Settings come
    from the defaults here, `office.toml` in the data folder, `VALLOKAL_*`
    environment variables and `test_config`, each overriding the one before.
    """
    folder = Path(data_dir or os.environ.get("VALLOKAL_OFFICE_DATA", "office-data")).resolve()
    app = configured_app(__name__, folder, SETTINGS, "office.toml")
    if not app.config["DATABASE_URL"] and os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["AUTHORITY_KEY"] and (folder / "authority-keys.json").exists():
        try:
            app.config["AUTHORITY_KEY"] = public_keys(folder)["authority_signing"]
        except (AuthorityError, KeyError):
            pass
    app.config["DEBUG"] = False  # never the debugger or tracebacks in front of voters or staff, whatever the environment says
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app.config["DATABASE_URL"]) or f"sqlite:///{folder / 'office.sqlite3'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secret_key(folder)

    clocks.init_app(app, clock)
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    app.extensions["vallokal_office_key"] = signing_key(folder)

    i18n.init_app(app, store.election)
    headers.init_app(app)
    presentation.init_app(app)
    app.register_blueprint(api.blueprint)
    csrf.exempt(api.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(results.blueprint)
    app.register_blueprint(packaging.blueprint)
    app.register_blueprint(setup.blueprint)
    app.register_blueprint(followup.blueprint)
    app.register_blueprint(followup.public)
    app.register_blueprint(paper.blueprint)
    admin.init_app(app)
    jobs.handler(app, jobs.COUNT, counting.count_job)
    jobs.handler(app, store.VERIFY, store.verify_job)
    jobs.handler(app, jobs.SPEECH, packaging.speech_job)
    return app


def database_uri(url: str | None) -> str | None:
    """A `postgresql://` or `postgres://` URL (as hosting platforms hand out) uses psycopg 3, the driver installed."""
    if url and url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def prepare(app: Flask) -> None:
    """Bring the office database to the latest schema."""
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        if app.config["REHEARSAL"]:
            store.add_rehearsal_clerks()


def signing_key(folder: Path) -> Ed25519PrivateKey:
    """The key that signs acknowledgements; its public half goes into the election package."""
    path = folder / SIGNING_KEY_FILE
    if not path.exists():
        keys.write_private(Ed25519PrivateKey.generate(), path)
    return keys.read_signing_key(path)
