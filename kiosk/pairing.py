"""Paired tablets: only a browser staff paired may show voter pages.

A tablet is paired by a one-time URL (`vallokal station pair`, or the staff
panel's code and QR): its page has one button, a POST, so a link prefetcher
cannot use the code up. Pairing gives the browser a tablet token in a
long-lived cookie. The station's own screen talks to waitress directly on
loopback, without the TLS terminator; it is paired by being that screen
(a request from loopback without a forwarded client address).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..web import i18n
from ..web.clock import now
from . import store, tls
from .tablet_identity import TABLET_COOKIE, named_tablet

blueprint = Blueprint("pairing", __name__)

SCREEN = "screen"
# Voter pages that need no pairing: the health check, package images, and the
# display settings that the staff pages' language switch also posts to.
OPEN_ENDPOINTS = {"voter.healthz", "voter.asset", "voter.settings"}


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def own_screen() -> bool:
    """The station's own screen: a direct loopback request, not one the TLS terminator forwarded."""
    if not current_app.config["SCREEN_ON_LOOPBACK"] or request.headers.get("X-Forwarded-For"):
        return False
    connected_from = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR", request.remote_addr)
    return is_loopback(connected_from)


def client_pairing() -> str | None:
    """The pairing this client holds: a named tablet's token hash, the station's own screen, or None."""
    tablet = named_tablet()
    if tablet is not None:
        return f"tablet:{tablet.token_hash}"
    if own_screen():
        return SCREEN
    return None


def needs_pairing(endpoint: str | None) -> bool:
    if endpoint is None or endpoint in OPEN_ENDPOINTS:
        return False
    return endpoint.startswith("voter.") or endpoint in ("tablets.state", "tablets.start")


def refuse_unpaired() -> ResponseReturnValue | None:
    """Voter pages answer an unpaired client with a page that says to ask staff, and 403."""
    if needs_pairing(request.endpoint) and client_pairing() is None:
        return render_template("kiosk/unpaired.html"), 403
    return None


def init_app(app: Flask) -> None:
    app.before_request(refuse_unpaired)
    app.register_blueprint(blueprint)


def pairing_url(token: str, base: str) -> str:
    return f"{base.rstrip('/')}/pair/{token}"


def station_base_url(config: dict[str, Any]) -> str:
    """Where tablets reach the station: PUBLIC_URL (the TLS terminator's https address), else the served address."""
    if config["PUBLIC_URL"]:
        return str(config["PUBLIC_URL"]).rstrip("/")
    host = config["HOST"]
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{host}:{config['PORT']}"


@blueprint.get("/pair/<token>")
def pair_page(token: str) -> ResponseReturnValue:
    valid = len(token) <= 64 and store.pairing_code_valid(token, store_now())
    return render_template(
        "kiosk/pair.html", token=token, valid=valid, fingerprint=tls.fingerprint_for(current_app)
    ), 200 if valid else 404


@blueprint.post("/pair/<token>")
def pair(token: str) -> ResponseReturnValue:
    try:
        tablet_token, _ = store.pair_tablet(token[:64], store_now())
    except store.StationError as refusal:
        status = 404 if refusal.reason == "pairing_invalid" else 409
        return render_template(
            "kiosk/pair.html",
            token=token,
            valid=False,
            refusal=None if refusal.reason == "pairing_invalid" else i18n.reason(refusal.reason),
            fingerprint=tls.fingerprint_for(current_app),
        ), status
    response = redirect(url_for("voter.welcome"))
    response.set_cookie(TABLET_COOKIE, tablet_token, max_age=400 * 24 * 3600, httponly=True, samesite="Strict", secure=request.is_secure)
    return response


def store_now():
    return now()
