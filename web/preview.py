"""The ballot page as a voter will see it, rendered from the station's templates without a station.

The office shows it before a package is signed. The page's links and forms point
where the station's would, though nothing here answers them.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, g, render_template, session
from flask_babel import Babel
from flask_wtf.csrf import generate_csrf

from ..election import rules
from ..election.package import ElectionPackage
from . import STATIC, TEMPLATES, TRANSLATIONS, i18n
from .ballot_form import ballot_context

# The station's voter pages that a ballot page links to, by endpoint (tests hold them to the station's own).
VOTER_PAGES: Mapping[str, str] = {
    "welcome": "/",
    "help_page": "/help",
    "settings": "/settings",
    "ballot": "/ballot",
    "project": "/project/<project_id>",
    "asset": "/assets/<name>",
    "done": "/done",
}
# What the station's voter pages read from its configuration, at the station's defaults.
STATION_DEFAULTS: Mapping[str, Any] = {"IDLE_SECONDS": 180, "IDLE_WARNING_SECONDS": 45}


def create_app() -> Flask:
    """A small app that knows the station's templates, languages and page addresses, and nothing else."""
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    app.config.from_mapping(
        STATION_DEFAULTS,
        SECRET_KEY=secrets.token_hex(16),
        BABEL_DEFAULT_LOCALE="sv",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
    )
    Babel(app, locale_selector=i18n.select_locale)
    app.jinja_env.globals["csrf_token"] = generate_csrf
    i18n.init_app(app, lambda: g.get("preview_package"))
    voter = Blueprint("voter", __name__)
    for endpoint, rule in VOTER_PAGES.items():
        voter.add_url_rule(rule, endpoint)
    app.register_blueprint(voter)
    app.url_build_error_handlers.append(_no_link)
    return app


def _no_link(error: Exception, endpoint: str, values: dict[str, Any]) -> str:
    """A station page the preview does not list (a keep-alive, a favicon): the preview links nowhere rather than fails."""
    if endpoint.startswith("voter."):
        return "#"
    raise error


def ballot_page(app: Flask, package: ElectionPackage, language: str) -> str:
    """The empty ballot of `package` in `language`, as the station's ballot page shows it."""
    with app.test_request_context(VOTER_PAGES["ballot"]):
        g.preview_package = package
        session["language"] = language
        return render_template("kiosk/ballot.html", **ballot_context(package, rules.Ballot(), []))
