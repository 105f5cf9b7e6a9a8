"""The office's pages for its staff: log in, see every station, alerts and the audit of codes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ...election import certificate as certificates, keys
from ...web.access import guarded
from ...web.ballot_form import ballot_from_form
from ...web.clock import now
from .. import fields
from . import authority, channels, counting, dashboard, jobs, key_shares, publication, results, store
from .extensions import limiter

blueprint = Blueprint("office", __name__)


def _not_logged_in() -> Any | None:
    """No clerk, or the clerk's session is over: to the login."""
    until = session.get("office_until")
    if not session.get("office_user") or not until or datetime.fromisoformat(until) < now():
        session.clear()
        return redirect(url_for("office.login"))
    return None


login_required = guarded(_not_logged_in)


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login() -> Any:
    error, status = None, 200
    if request.method == "POST":
        username = request.form.get("username", "")[:100]
        result = store.try_login(username, request.form.get("password", "")[:200], now())
        if result.accepted:
            language = session.get("language")
            session.clear()
            if language:
                session["language"] = language
            session["office_user"] = username
            session["office_until"] = (now() + timedelta(minutes=current_app.config["STAFF_SESSION_MINUTES"])).isoformat()
            return redirect(url_for("office.stations"))
        error, status = gettext("Wrong user name or password."), 422
    return render_template("office/login.html", error=error, first_run=not store.user_names(), data_folder=current_app.instance_path), status


@blueprint.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("office.login"))


@blueprint.get("/")
@login_required
def stations() -> str:
    rows = store.stations()
    hours = dashboard.ballots_per_hour()
    return render_template(
        "office/stations.html", package=store.election(), stations=rows, totals=store.totals(),
        chart=dashboard.chart(hours), hours=hours, attention=dashboard.attention(rows, len(store.alerts())),
    )


@blueprint.post("/stations/enrol")
@login_required
def enrol() -> Any:
    """A certificate for a station, from its request as a file or as the text its QR code holds."""
    upload = request.files.get("request_file")
    text = upload.read(64 * 1024).decode("utf-8", "replace") if upload and upload.filename else request.form.get("request_text", "")[:64 * 1024]
    error = None
    try:
        document = _json_or_none(text)
        if document is None:
            raise json.JSONDecodeError("not JSON", text[:1], 0)
        authority_key = keys.read_signing_key(authority.key_files(Path(current_app.instance_path)).signing, request.form.get("passphrase", "")[:500] or None)
        issued = store.enrol(document, authority_key, now(), store.CERTIFICATE_DAYS)
    except json.JSONDecodeError:
        error = gettext("That is not an enrolment request. Scan the QR code the station showed, or choose its enrolment-request.json.")
    except keys.KeyFileError:
        error = gettext("The passphrase is wrong, or this office has no authority key. Nothing was issued.")
    except (certificates.CertificateError, store.Refused) as refused:
        error = str(refused)
    if error:
        page = render_template("office/stations.html", package=store.election(), stations=store.stations(), totals=store.totals(), error=error)
        return page, 422
    body = issued["body"]
    response = current_app.response_class(json.dumps(issued, indent=2, sort_keys=True) + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{body["device_id"]}.json"'
    return response


def _json_or_none(text: str) -> Any:
    """Pasted JSON, or None for anything that is not (including a number too long or nesting too deep to read)."""
    import json

    try:
        return json.loads(text, parse_int=fields.bounded_integer)
    except (ValueError, RecursionError):
        return None


@blueprint.post("/stations/<device_id>/revoke")
@login_required
def revoke(device_id: str) -> Any:
    reason = request.form.get("reason", "").replace("\x00", "").strip()[:500]
    try:
        fields.identifier(device_id, "device id")
    except fields.FieldError:
        abort(404)
    if not reason:
        page = render_template(
            "office/stations.html", package=store.election(), stations=store.stations(), totals=store.totals(),
            error=gettext("Write why the device is revoked."),
        )
        return page, 422
    typed = request.form.get("compromised_since", "").strip()[:40]
    compromised_at = None
    if typed:
        try:
            compromised_at = datetime.fromisoformat(typed.removesuffix("Z")).replace(tzinfo=timezone.utc)
        except ValueError:
            page = render_template(
                "office/stations.html", package=store.election(), stations=store.stations(), totals=store.totals(),
                error=gettext("Give the time the key may have been taken as a date and time, for example 2026-05-01T10:00."),
            )
            return page, 422
    try:
        store.revoke(device_id, reason, now(), compromised_at)
    except LookupError:
        abort(404)
    return redirect(url_for("office.stations"))


@blueprint.get("/alerts")
@login_required
def alerts() -> str:
    package = store.election()
    return render_template("office/alerts.html", package=package, groups=store.alert_groups(), zone=package.timezone if package else timezone.utc)


@blueprint.get("/audit")
@login_required
def audit() -> str:
    return render_template("office/audit.html", package=store.election(), duplicates=store.code_duplicates())


@blueprint.get("/counts")
@login_required
def counts(error: str | None = None, status: int = 200) -> Any:
    try:
        board = key_shares.board(Path(current_app.instance_path))
    except counting.CountError as damaged:
        board, error = None, error or str(damaged)
    page = render_template("office/counts.html", package=store.election(), counts=counting.all_counts(), totals=store.totals(), error=error,
                           held=store.hold_totals(), running=jobs.active(jobs.COUNT), held_of=counting.held, board=board)
    return page, status


@blueprint.post("/counts")
@login_required
def count() -> Any:
    """Open and count the ballots with the sealing key's passphrase (the key file stays on the office's disk)."""
    try:
        job = jobs.submit(jobs.COUNT, session["office_user"], _sealing_key())
    except counting.CountError as error:
        current_app.logger.warning("count refused: %s", error)
        return counts(gettext("The count could not start: %(reason)s", reason=str(error)), 422)
    except jobs.Busy as busy:
        return redirect(url_for("office.job", job_id=busy.job_id), 303)
    return redirect(url_for("office.job", job_id=job.id), 303)


def _sealing_key() -> counting.OpenedKey:
    """The sealing key from the form: each board member's share where the key is split, else its passphrase."""
    folder = Path(current_app.instance_path)
    board = key_shares.board(folder)
    if board is None:
        path = Path(current_app.config["SEALING_KEY_FILE"] or folder / "office-sealing.pem")
        return counting.OpenedKey(counting.read_sealing_key(path, request.form.get("passphrase", "")[:200]), None)
    typed = [request.form.get(f"share_{number}", "")[:200] for number in range(1, board.threshold + 1)]
    return counting.OpenedKey(*key_shares.open_sealing_key(folder, typed))


@blueprint.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int) -> Any:
    """A job's progress, refreshing itself; a finished count goes on to its result."""
    found = jobs.get(job_id)
    if found is None:
        abort(404)
    if found.state == "done" and found.kind == jobs.COUNT and found.result_id is not None:
        return redirect(url_for("office.count_results", count_id=found.result_id), 303)
    return render_template("office/job.html", package=store.election(), job=found, needs_key=jobs.needs_secret(found), error=None,
                           board=key_shares.board(Path(current_app.instance_path)))


@blueprint.post("/jobs/<int:job_id>/key")
@login_required
def job_key(job_id: int) -> Any:
    """The sealing key's passphrase again, for a count the office was running when it stopped."""
    found = jobs.get(job_id)
    if found is None or found.kind != jobs.COUNT:
        abort(404)
    try:
        jobs.supply(job_id, _sealing_key())
    except counting.CountError as error:
        page = render_template("office/job.html", package=store.election(), job=found, needs_key=True,
                               error=gettext("The count could not start: %(reason)s", reason=str(error)),
                               board=key_shares.board(Path(current_app.instance_path)))
        return page, 422
    return redirect(url_for("office.job", job_id=job_id), 303)


def _second_clerk() -> str:
    """The second clerk who approves this form's change, checked by their own password."""
    return store.second_clerk(session["office_user"], request.form.get("second_user", ""), request.form.get("second_password", ""), now())


@blueprint.get("/held")
@login_required
def held(error: str | None = None, status: int = 200) -> Any:
    holds = store.held_records() if store.election() is not None else []
    return render_template("office/held.html", package=store.election(), holds=holds, error=error), status


@blueprint.post("/held/<int:hold_id>")
@login_required
def decide(hold_id: int) -> Any:
    """The board's decision on one held record: the logged-in clerk and a second clerk, with a reason."""
    try:
        approved_by = _second_clerk()
        store.decide_hold(hold_id, request.form.get("decision", ""), request.form.get("reason", ""), session["office_user"], approved_by, now())
    except LookupError:
        abort(404)
    except (store.NotApproved, ValueError) as error:
        return held(str(error), 422)
    return redirect(url_for("office.held"), 303)


def _count_or_404(count_id: int) -> Any:
    if not 0 < count_id < 2**53:
        abort(404)
    found = counting.get(count_id)
    if found is None or store.election() is None:
        abort(404)
    return found


@blueprint.get("/counts/<int:count_id>/")
@login_required
def count_results(count_id: int) -> Any:
    found = _count_or_404(count_id)
    return results.render_results(
        found,
        lambda name: url_for("office.count_file", count_id=count_id, name=name),
        url_for("office.count_protocol", count_id=count_id),
        url_for("office.count_results", count_id=count_id),
        staff=True,
    )


@blueprint.get("/counts/<int:count_id>/protocol")
@login_required
def count_protocol(count_id: int) -> Any:
    return results.render_protocol(_count_or_404(count_id))


@blueprint.get("/counts/<int:count_id>/<name>")
@login_required
def count_file(count_id: int, name: str) -> Any:
    return results.download(_count_or_404(count_id), name, staff=True)


@blueprint.post("/counts/<int:count_id>/publish")
@login_required
def publish(count_id: int) -> Any:
    found = _count_or_404(count_id)
    try:
        approved_by = _second_clerk()
        publication.make(found, now())
        counting.publish(count_id, now(), published_by=session["office_user"], approved_by=approved_by,
                         with_undecided=request.form.get("with_undecided") == "yes")
    except store.NotApproved as error:
        return counts(str(error), 422)
    except counting.CountError as error:
        return counts(str(error), 409)
    return redirect(url_for("results.results"), 303)


@blueprint.route("/paper", methods=["GET", "POST"])
@login_required
def paper() -> Any:
    """Type in paper ballots; each sheet needs two people who type it alike."""
    package = store.election()
    error, status, entered = None, 200, None
    if request.method == "POST" and package is not None:
        ballot, problems = ballot_from_form(package, request.form)
        try:
            if problems:
                raise channels.ChannelError(problems[0])
            channels.enter_paper(request.form.get("sheet", "")[:60], ballot.as_choices(package.rule.kind), session["office_user"], now())
        except channels.ChannelError as refusal:
            error, status = str(refusal), refusal.status
        else:
            entered = request.form.get("sheet", "").strip()
    sheets = channels.paper_sheets() if package is not None else []
    return render_template("office/paper.html", package=package, sheets=sheets, error=error, entered=entered), status


@blueprint.route("/imports", methods=["GET", "POST"])
@login_required
def imports() -> Any:
    """Votes from another platform, as a Pabulib or CSV file."""
    error, status, imported = None, 200, None
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise channels.ChannelError(gettext("Choose a file to import."))
            approved_by = _second_clerk()
            imported = channels.import_votes(upload.read(), upload.filename, request.form.get("source", ""), session["office_user"], now(),
                                             approved_by=approved_by)
        except channels.ChannelError as refusal:
            error, status = str(refusal), refusal.status
        except store.NotApproved as refusal:
            error, status = str(refusal), 422
        except store.Refused as refusal:
            error, status = refusal.reason, 409
    files = channels.imported_files() if store.election() is not None else []
    return render_template("office/imports.html", package=store.election(), files=files, error=error, imported=imported), status


MESSAGES = {
    400: lazy_gettext("The request could not be understood."),
    403: lazy_gettext("This is not allowed."),
    404: lazy_gettext("This page does not exist."),
    405: lazy_gettext("This page cannot be used that way."),
    413: lazy_gettext("What was sent is too large."),
    429: lazy_gettext("Too many failed attempts from this device. Wait a few minutes and try again."),
    500: lazy_gettext("Something went wrong at the office server."),
}


def init_app(app: Flask) -> None:
    """Errors: JSON for the station API, a page for people."""

    def answer(status: int, message: Any) -> Any:
        if request.path.startswith("/api/"):
            return jsonify(error=str(message), status=status), status
        return render_template("office/error.html", message=message), status

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Any:
        return answer(400, lazy_gettext("The form was open too long or was sent twice. Please try again."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        status = error.code or 500
        return answer(status, MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500]))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        app.logger.exception("unexpected error")
        return answer(500, MESSAGES[500])
