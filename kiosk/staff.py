"""The staff panel: PIN login, status, opening and closing the polls with their reports."""

from __future__ import annotations

import json
import os
from datetime import timezone
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from ..web import i18n
from ..web.access import guarded
from ..web.qr import qr_svg
from . import lockout, outbox, presence, sessions, store
from .voter import end_voter_session, now, pin_error

blueprint = Blueprint("staff", __name__, url_prefix="/staff")

EVENT_NAMES = {
    "station_created": lazy_gettext("Station set up"),
    "package_loaded": lazy_gettext("Election package loaded"),
    "pin_changed": lazy_gettext("Staff PIN changed"),
    "pin_failed": lazy_gettext("Wrong staff PIN typed"),
    "pin_locked": lazy_gettext("Staff login locked after wrong PINs"),
    "polls_opened": lazy_gettext("Polls opened"),
    "polls_closed": lazy_gettext("Polls closed"),
    "polls_paused": lazy_gettext("Voting paused"),
    "polls_resumed": lazy_gettext("Voting resumed"),
    "clock_wrong": lazy_gettext("The device's clock was wrong"),
    "tablet_named": lazy_gettext("Tablet named"),
    "tablet_forgotten": lazy_gettext("Tablet forgotten"),
    "tablet_activated": lazy_gettext("Vote started on a tablet"),
    "sync_requested": lazy_gettext("Sending to the office asked for"),
    "exported": lazy_gettext("Ballots exported to a stick"),
    "error": lazy_gettext("An error was shown"),
    "ballot_cast": lazy_gettext("Ballot cast"),
}


def event_name(kind: str) -> str:
    """An event of the log in the page's language; the log itself keeps the machine name."""
    return str(EVENT_NAMES.get(kind, kind))


def _not_staff() -> Any | None:
    """No staff session: to the login; one ended on the server (a copied cookie): 403."""
    state = sessions.staff_state()
    if state == "none":
        return redirect(url_for("staff.login"))
    if state == "revoked":
        message = gettext("Your staff session has ended. Log in again.")
        return render_template("kiosk/staff/login.html", error=message), 403
    return None


staff_required = guarded(_not_staff)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error, status = None, 200
    if request.method == "POST":
        result = lockout.try_pin("staff", request.form.get("pin", "")[:64], now())
        if result.accepted:
            end_voter_session(keep_display=True)
            return sessions.start_staff_session(redirect(url_for("staff.status")))
        error, status = pin_error(result), 422 if result.locked_until is None else 429
    return render_template("kiosk/staff/login.html", error=error), status


@blueprint.post("/logout")
def logout() -> Any:
    end_voter_session()
    response = redirect(url_for("voter.welcome"))
    sessions.end_staff_session(response)
    return response


def status_page(error: str | None = None, status_code: int = 200, notice: str | None = None, pairing: dict[str, Any] | None = None) -> tuple[str, int]:
    named = store.tablets()
    package = store.current_package()
    page = render_template(
        "kiosk/staff/status.html",
        tablets=[(tablet, presence.attached(tablet), presence.last_seen(tablet)) for tablet in named],
        this_tablet=store.tablet(presence.token()),
        activated=request.args.get("activated"),
        export_folders=export_folders(),
        can_sync=bool(current_app.config["OFFICE_URL"]),
        clock_problem=store.note_clock(now()),
        clock=now(),
        closing=store.last_report("polls_closed") if store.station().polls == "closed" else None,
        opening=store.last_report("polls_opened"),
        zero=store.zero_report(),
        last_closing=store.last_report("polls_closed"),
        notice=notice,
        pairing=pairing,
        speech={
            "languages": [i18n.LANGUAGES.get(code, code) for code in (package.languages if package else []) if package.document.get("audio", {}).get(code)],
            "missing": [i18n.LANGUAGES.get(code, code) for code in (package.audio_missing if package else [])],
        },
        package=package,
        station=store.station(),
        ballots_cast=store.ballots_cast(),
        unsynced=store.unsynced(),
        sync=store.sync_state(),
        chain_head=store.chain_head(),
        refusal=store.voting_refusal(now()),
        events=store.recent_events(30),
        event_name=event_name,
        storage_full=store.storage_full_since(),
        error=error,
    )
    return page, status_code


@blueprint.post("/pause")
@staff_required
def pause() -> Any:
    try:
        store.set_paused(request.form.get("paused") == "yes")
    except store.StationError as refusal:
        return render_status_error(refusal.reason)
    return redirect(url_for("staff.status"))


@blueprint.post("/sync")
@staff_required
def sync_now() -> Any:
    """Send to the office now, and say plainly what happened."""
    if not current_app.config["OFFICE_URL"]:
        return render_status_error("no_office")
    with store.writing():
        store.log("sync_requested")
    try:
        result = outbox.push()
    except outbox.SyncError as error:
        _wake_outbox()
        return status_page(gettext("Sending failed: %(error)s. The station keeps trying by itself.", error=error), 409)
    return status_page(notice=gettext(
        "Sent. The office has everything up to ballot %(acknowledged)s; %(pending)s not yet sent.",
        acknowledged=result.acknowledged, pending=result.pending,
    ))


def _wake_outbox() -> None:
    """End the background sender's wait, so it tries again now instead of after its backoff."""
    sender = current_app.extensions.get("vallokal_outbox")
    if sender is not None:
        sender.wake()


def export_folders() -> list[Path]:
    """Where a stick can be written: mounted drives under the usual mount roots, and configured folders."""
    folders = [Path(folder) for folder in current_app.config["EXPORT_FOLDERS"]]
    for root in current_app.config["EXPORT_MOUNT_ROOTS"]:
        base = Path(root)
        try:
            candidates = [child for child in base.iterdir() if child.is_dir()]
            candidates += [grandchild for child in candidates for grandchild in child.iterdir() if grandchild.is_dir()]
        except OSError:
            continue
        folders += [candidate for candidate in candidates if os.path.ismount(candidate)]
    return [folder for folder in dict.fromkeys(folders) if folder.is_dir() and os.access(folder, os.W_OK)]


@blueprint.post("/export")
@staff_required
def export() -> Any:
    chosen = request.form.get("folder", "")
    folder = next((folder for folder in export_folders() if str(folder) == chosen), None)
    if folder is None:
        return render_status_error("no_export_folder", 422)
    target = folder / f"vallokal-{store.station().device_id}-{now().astimezone(timezone.utc).strftime('%Y%m%d-%H%M%S')}"
    try:
        written = outbox.export(target)
        os.sync()
    except outbox.SyncError as error:
        return status_page(str(error), 409)
    except OSError as error:
        return status_page(gettext("Could not write to %(folder)s: %(error)s", folder=folder, error=error.strerror), 507)
    with store.writing():
        store.log("exported", folder=str(target), files=len(written))
    return status_page(notice=gettext(
        "%(files)s files written to %(folder)s. Take the stick to the office.", files=len(written), folder=target
    ))


@blueprint.get("/")
@staff_required
def status() -> tuple[str, int]:
    return status_page()


@blueprint.post("/open")
@staff_required
def open_polls() -> Any:
    if store.ballots_cast() and request.form.get("confirm") != "yes":
        return render_status_error("confirm_reopen", 422)
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
    _wake_outbox()
    return redirect(url_for("staff.report", kind="closed"))


def render_status_error(reason: str, status_code: int = 409) -> tuple[str, int]:
    if reason == "confirm_close":
        return status_page(gettext("Tick the box to confirm that you want to close the polls."), status_code)
    if reason == "confirm_reopen":
        return status_page(gettext("Tick the box to confirm that you want to reopen the polls."), status_code)
    return status_page(i18n.reason(reason), status_code)


@blueprint.get("/report/<kind>")
@staff_required
def report(kind: str) -> str:
    if kind not in ("zero", "opened", "closed"):
        abort(404)
    facts = store.zero_report() if kind == "zero" else store.last_report("polls_opened" if kind == "opened" else "polls_closed")
    if facts is None:
        abort(404)
    qr = qr_svg(json.dumps(facts, sort_keys=True, separators=(",", ":")))
    return render_template("kiosk/staff/report.html", facts=facts, qr=qr, package=store.current_package())
