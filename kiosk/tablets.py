"""Named tablets: staff start a vote on a tablet from the panel on another device, such as their phone.

A tablet is a browser that staff named once, after logging in on it; it keeps
a random token in a long-lived cookie. Its waiting page looks every second
whether staff activated it, so a vote starts within two seconds of the tap.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue

from ..web.qr import qr_svg
from . import store
from .pairing import pairing_url, station_base_url
from .staff import render_status_error, staff_required, status_page
from .tablet_identity import TABLET_COOKIE as COOKIE, tablet_token as token
from .voter import now, start_voting

blueprint = Blueprint("tablets", __name__)


@blueprint.get("/tablet/state")
def state() -> Any:
    """What the waiting page looks at every second: has staff started a vote here?"""
    value = token()
    response = jsonify(activated=store.pending_activation(value), named=store.tablet(value) is not None)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/tablet/start")
def start() -> ResponseReturnValue:
    value = token()
    if value and store.voting_refusal(now()) is None and store.take_activation(value, now()):
        return start_voting()
    return redirect(url_for("voter.welcome"))


@blueprint.post("/staff/tablets/this")
@staff_required
def name_this() -> ResponseReturnValue:
    value = token() or secrets.token_urlsafe(24)
    try:
        store.name_tablet(value, request.form.get("name", "")[:100])
    except store.StationError as refusal:
        return render_status_error(refusal.reason, 422)
    response = redirect(url_for("staff.status", _anchor="tablets"))
    response.set_cookie(COOKIE, value, max_age=400 * 24 * 3600, httponly=True, samesite="Strict", secure=request.is_secure)
    return response


@blueprint.post("/staff/tablets/pair")
@staff_required
def pair_new() -> ResponseReturnValue:
    """A one-time pairing URL and its QR code, for a tablet staff hold in their hand."""

    token = store.issue_pairing_code(now(), request.form.get("name", "")[:100])
    base = station_base_url(current_app.config) if current_app.config["PUBLIC_URL"] else request.host_url
    url = pairing_url(token, base)
    return status_page(pairing={"url": url, "qr": qr_svg(url)})


@blueprint.post("/staff/tablets/activate")
@staff_required
def activate() -> ResponseReturnValue:
    try:
        store.activate_tablet(request.form.get("name", "")[:100], now())
    except store.StationError as refusal:
        return render_status_error(refusal.reason)
    return redirect(url_for("staff.status", activated=request.form.get("name", "")[:60], _anchor="tablets"))


@blueprint.post("/staff/tablets/forget")
@staff_required
def forget() -> ResponseReturnValue:
    try:
        store.forget_tablet(request.form.get("name", "")[:100])
    except store.StationError as refusal:
        return render_status_error(refusal.reason, 404)
    return redirect(url_for("staff.status", _anchor="tablets"))
