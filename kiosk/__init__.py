"""The station: a Flask app on a site's device, serving the voting tablets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, request
from flask_migrate import upgrade
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

from ..web import clock as clocks, headers, i18n, paper
from ..web.instance import secret_key
from ..web.settings import configured_app
from ..web.sqlite import configure as configure_sqlite
from . import device, errors, lockout, pairing, presence, sessions, staff, store, tablets, voter
from .extensions import babel, csrf, db, migrate
from .settings import SETTINGS

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(
    test_config: dict[str, Any] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    clock: clocks.Clock | None = None,
) -> Flask:
    """Build a station app whose data (database, device key, config) live in `data_dir`.

    Configuration comes, each overriding the one before, from the defaults
    here, `station.toml` in the data folder, `VALLOKAL_*` environment variables
    and `test_config`.
    """
    folder = Path(data_dir or os.environ.get("VALLOKAL_DATA", "instance")).resolve()
    app = configured_app(__name__, folder, SETTINGS, "station.toml")
    keep_idle_times_humane(app)
    if test_config:
        app.config.from_mapping(test_config)
    app.config["DEBUG"] = False  # never the debugger or tracebacks in front of voters or staff, whatever the environment says
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secret_key(folder)
    app.config["STATION_HOSTS"] = allowed_hosts(app)
    if app.config["PROXY_HOPS"]:
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    clocks.init_app(app, clock)
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    app.extensions["vallokal_device_key"] = device.load_or_create(folder)

    i18n.init_app(app, store.current_package)
    headers.init_app(app)
    errors.init_app(app)
    app.before_request(refuse_unknown_hosts)
    sessions.init_app(app)
    pairing.init_app(app)
    app.register_blueprint(voter.blueprint)
    app.register_blueprint(staff.blueprint)
    app.register_blueprint(tablets.blueprint)
    app.register_blueprint(paper.blueprint)
    app.before_request(presence.note_seen)
    lockout.init_app(app)
    return app


LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1"]


def allowed_hosts(app: Flask) -> list[str]:
    """The Host names the station answers to: its configured names and loopback, so a DNS-rebinding page gets a 400."""
    names = app.config["STATION_NAMES"] or []
    if isinstance(names, str):
        names = [name.strip() for name in names.split(",") if name.strip()]
    return list(dict.fromkeys([*LOOPBACK_HOSTS, *names]))


def refuse_unknown_hosts() -> None:
    """A request for a Host the station is not named, or a form sent from another origin, gets a 400."""
    if not host_is_trusted(request.host, current_app.config["STATION_HOSTS"]):
        abort(400)
    origin = request.headers.get("Origin")
    if origin and request.method not in ("GET", "HEAD", "OPTIONS") and origin != "null" and origin != request.host_url.rstrip("/"):
        abort(400)


IDLE_RANGE = (120, 300)
SHORTEST_WARNING = 30


def keep_idle_times_humane(app: Flask) -> None:
    """The idle reset warns after 2 to 5 minutes and gives at least 30 seconds to continue, whatever a site configures."""
    idle = int(app.config["IDLE_SECONDS"])
    bounded = min(max(idle, IDLE_RANGE[0]), IDLE_RANGE[1])
    if bounded != idle:
        app.logger.warning("IDLE_SECONDS %s is outside %s to %s seconds; using %s", idle, *IDLE_RANGE, bounded)
    app.config["IDLE_SECONDS"] = bounded
    warning = int(app.config["IDLE_WARNING_SECONDS"])
    if warning < SHORTEST_WARNING:
        app.logger.warning("IDLE_WARNING_SECONDS %s is under %s; using %s", warning, SHORTEST_WARNING, SHORTEST_WARNING)
    app.config["IDLE_WARNING_SECONDS"] = max(warning, SHORTEST_WARNING)


def prepare(app: Flask) -> None:
    """Bring the database to the latest schema and make sure the station row exists."""
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        store.ensure_station(app.config["STATION_NAME"], device.device_id_for(app.extensions["vallokal_device_key"]))
