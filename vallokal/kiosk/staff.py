"""The staff panel: PIN login, status, opening and closing the polls with their reports."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext

from . import i18n, store
from .qr import qr_svg
from .voter import end_voter_session, now, pin_error

blueprint = Blueprint("staff", __name__, url_prefix="/staff")


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        until = session.get("staff_until")
        if not until or datetime.fromisoformat(until) < now():
            session.pop("staff_until", None)
            return redirect(url_for("staff.login"))
        return view(*args, **kwargs)

    return wrapper


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error, status = None, 200
    if request.method == "POST":
        result = store.try_pin(request.form.get("pin", "")[:64], now())
        if result.accepted:
            end_voter_session(keep_display=True)
            minutes = current_app.config["STAFF_SESSION_MINUTES"]
            session["staff_until"] = (now() + timedelta(minutes=minutes)).isoformat()
            return redirect(url_for("staff.status"))
        error, status = pin_error(result), 422 if result.locked_until is None else 429
    return render_template("kiosk/staff/login.html", error=error), status


@blueprint.post("/logout")
def logout() -> Any:
    end_voter_session()
    return redirect(url_for("voter.welcome"))


def status_page(error: str | None = None, status_code: int = 200) -> tuple[str, int]:
    page = render_template(
        "kiosk/staff/status.html",
        package=store.current_package(),
        station=store.station(),
        ballots_cast=store.ballots_cast(),
        unsynced=store.unsynced(),
        sync=store.sync_state(),
        chain_head=store.chain_head(),
        refusal=store.voting_refusal(now()),
        events=store.recent_events(30),
        storage_full=store.storage_full_since(),
        error=error,
    )
    return page, status_code


@blueprint.get("/")
@staff_required
def status() -> tuple[str, int]:
    return status_page()


@blueprint.post("/open")
@staff_required
def open_polls() -> Any:
    try:
        store.open_polls(now())
    except store.StationError as refusal:
        return render_status_error(refusal.reason)
    return redirect(url_for("staff.report", kind="opened"))


@blueprint.post("/close")
@staff_required
def close_polls() -> Any:
    if request.form.get("confirm") != "yes":
        return render_status_error("confirm_close", 422)
    try:
        store.close_polls(now())
    except store.StationError as refusal:
        return render_status_error(refusal.reason)
    return redirect(url_for("staff.report", kind="closed"))


def render_status_error(reason: str, status_code: int = 409) -> tuple[str, int]:
    if reason == "confirm_close":
        return status_page(gettext("Tick the box to confirm that you want to close the polls."), status_code)
    return status_page(i18n.reason(reason), status_code)


@blueprint.get("/report/<kind>")
@staff_required
def report(kind: str) -> str:
    if kind not in ("opened", "closed"):
        abort(404)
    facts = store.last_report("polls_opened" if kind == "opened" else "polls_closed")
    if facts is None:
        abort(404)
    qr = qr_svg(json.dumps(facts, sort_keys=True, separators=(",", ":")))
    return render_template("kiosk/staff/report.html", facts=facts, qr=qr)
