"""The voter's pages: welcome, check-in, ballot, review, cast and receipt.

Everything works as plain HTML forms; JavaScript only adds the live budget bar
and the idle warning. A voter's choices live in the station's memory, in a
server-side session bound to the tablet (see sessions.py), never in the
station's database, and the session ends when the voter finishes, casts or walks away.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from ..election import coverage, crockford, rules, voting_codes
from ..election.package import ElectionPackage
from ..web import i18n
from ..web.ballot_form import ballot_context, ballot_from_form
from ..web.clock import now
from ..web.qr import qr_svg
from . import lockout, participation, sessions, store
from .tablet_identity import named_tablet

blueprint = Blueprint("voter", __name__)

DISPLAY_SETTINGS = ("language", "text_size", "contrast", "audio_rate", "audio_volume")
AUDIO_RATES = ("0.5", "0.75", "1", "1.25", "1.5", "1.75", "2")
AUDIO_VOLUMES = ("0.2", "0.4", "0.6", "0.8", "1")
TEXT_SIZES = ("normal", "large", "larger", "largest")
CONTRASTS = ("default", "dark", "light")


def display_settings() -> dict[str, Any]:
    return {key: session[key] for key in DISPLAY_SETTINGS if key in session}


def end_voter_session(keep_display: bool = False, **extra: Any) -> None:
    """Forget everything of this voter; the next person starts from nothing.

    With `keep_display` (after casting, before the receipt is dismissed) the
    display settings and the CSRF token stay, so a resubmitted cast form leads
    back to the same receipt rather than to an error.
    """
    kept = display_settings() if keep_display else {}
    if keep_display and "csrf_token" in session:
        kept["csrf_token"] = session["csrf_token"]
    if not kept and not extra:
        sessions.end_session()
        return
    session.clear()
    session.update(kept, client=sessions.client_identity(), **extra)


def package_or_none() -> ElectionPackage | None:
    return store.current_package()


@blueprint.context_processor
def offered_languages() -> dict[str, Any]:
    """The languages a voter may choose: those in which the package has every text (see election.coverage)."""
    package = current_app.extensions["vallokal_current_package"]()
    if package is None:
        return {}
    known = current_app.extensions.setdefault("vallokal_covered_languages", {})
    if package.hash not in known:  # walking every text of the package is the same for every page of one package
        covered = coverage.covered_languages(package.document)
        known.clear()
        known[package.hash] = {code: name for code, name in i18n.LANGUAGES.items() if code in covered}
    return {"languages": known[package.hash]}


def project_titles(package: ElectionPackage) -> dict[str, str]:
    return {project.id: i18n.plain_text(project.title) for project in package.projects}


def checked_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only a voter who has checked in during this visit may see the ballot."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "voter" not in session or package_or_none() is None:
            return redirect(url_for("voter.welcome"))
        return view(*args, **kwargs)

    return wrapper


def start_voting(code_hash: str | None = None) -> Response:
    """A check-in: a fresh session id, and a voter token that only this id on this client gives."""
    current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]
    session["voter"] = sessions.voter_token(session.sid)
    for stale in ("choices", "survey", *participation.FLAGS):
        session.pop(stale, None)
    participation.checked_in()
    if code_hash:
        session["code_hash"] = code_hash
    return redirect(url_for("voter.ballot"))


def refuse(reason: str, status: int = 403) -> tuple[str, int]:
    return render_template("kiosk/welcome.html", package=package_or_none(), refusal=i18n.reason(reason), named_tablet=named_tablet()), status


@blueprint.get("/")
def welcome() -> str:
    refusal = store.voting_refusal(now())
    return render_template(
        "kiosk/welcome.html", package=package_or_none(), refusal=i18n.reason(refusal) if refusal else None, named_tablet=named_tablet()
    )


@blueprint.get("/help")
def help_page() -> str:
    participation.used("help")
    return render_template("kiosk/help.html", package=package_or_none())


@blueprint.post("/settings")
def settings() -> Response:
    language = request.form.get("language")
    text_size = request.form.get("text_size")
    contrast = request.form.get("contrast")
    if language is not None:
        if language not in i18n.LANGUAGES:
            abort(400)
        session["language"] = language
    if text_size is not None:
        if text_size not in TEXT_SIZES:
            abort(400)
        session["text_size"] = text_size
    if contrast is not None:
        if contrast not in CONTRASTS:
            abort(400)
        session["contrast"] = contrast
    for key, allowed in (("audio_rate", AUDIO_RATES), ("audio_volume", AUDIO_VOLUMES)):
        value = request.form.get(key)
        if value is not None:
            if value not in allowed:
                abort(400)
            session[key] = value
    if request.form.get("speech") == "used":
        participation.used("speech")
    if request.headers.get("X-Requested-With") == "fetch":
        return Response(status=204)
    if request.form.get("reset") == "display":
        for key in DISPLAY_SETTINGS:
            session.pop(key, None)
    return redirect(same_origin_path(request.form.get("next", "/")))


def same_origin_path(target: str) -> str:
    """A path on this station, or "/": never another host, however a browser would read the text."""
    if (
        not target.startswith("/")
        or target.startswith("//")
        or any(character in target for character in "\\\t\r\n")
        or not target.isprintable()
        or len(target) > 500
    ):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return target


@blueprint.post("/start")
def start() -> Any:
    refusal = store.voting_refusal(now())
    if refusal:
        return refuse(refusal)
    if "voter" in session:
        return redirect(url_for("voter.ballot"))
    check_in = package_or_none().check_in
    return redirect(url_for({"open": "voter.eligibility", "code": "voter.code", "staff": "voter.activate"}[check_in]))


def check_in_mode(mode: str) -> Callable[[Callable[[ElectionPackage], Any]], Callable[[], Any]]:
    """A check-in page: shown only while voting is possible, and only in its own mode."""

    def decorate(view: Callable[[ElectionPackage], Any]) -> Callable[[], Any]:
        @wraps(view)
        def wrapper() -> Any:
            refusal = store.voting_refusal(now())
            if refusal:
                return refuse(refusal)
            package = package_or_none()
            if package.check_in != mode:
                abort(404)
            return view(package)

        return wrapper

    return decorate


@blueprint.route("/eligibility", methods=["GET", "POST"])
@check_in_mode("open")
def eligibility(package: ElectionPackage) -> Any:
    error = None
    if request.method == "POST":
        if request.form.get("confirm") == "yes":
            return start_voting()
        error = gettext("Tick the box to confirm, or ask the staff for help.")
    status = 422 if error else 200
    return render_template("kiosk/eligibility.html", package=package, error=error), status


@blueprint.route("/code", methods=["GET", "POST"])
@check_in_mode("code")
def code(package: ElectionPackage) -> Any:
    error = None
    if request.method == "POST":
        typed = request.form.get("code", "")[:100]
        try:
            code_hash = voting_codes.code_hash(typed)
        except crockford.CodeError as problem:
            error = {
                "empty": gettext("Type the code from your letter."),
                "length": gettext("The code is not complete. Check that you typed every character."),
                "symbol": gettext("The code has a character that is not used in voting codes. Check what you typed."),
                "check": gettext("The code seems to be mistyped. Check each character and try again."),
            }[str(problem)]
        else:
            if code_hash not in package.code_hashes:
                error = gettext("This code is not valid for this vote. It may belong to another vote. Check it, or ask the staff.")
            elif store.code_used(code_hash):
                error = gettext("This voting code has already been used at this station.")
            else:
                return start_voting(code_hash)
    status = 422 if error else 200
    typed = request.form.get("code", "")[:40] if error else ""
    return render_template("kiosk/code.html", package=package, error=error, typed=typed), status


@blueprint.route("/activate", methods=["GET", "POST"])
@check_in_mode("staff")
def activate(package: ElectionPackage) -> Any:
    error, status = None, 200
    if request.method == "POST":
        result = lockout.try_pin("activate", request.form.get("pin", "")[:64], now())
        if result.accepted:
            return start_voting()
        error, status = pin_error(result), 422 if result.locked_until is None else 429
    return render_template("kiosk/activate.html", package=package, error=error, named_tablet=named_tablet()), status


def pin_error(result: store.PinResult) -> str:
    if result.locked_until is not None:
        minutes = max(1, int((result.locked_until - now()).total_seconds() + 59) // 60)
        return gettext("Too many wrong PINs. The PIN is locked for %(minutes)s minutes.", minutes=minutes)
    return gettext("Wrong PIN. %(left)s attempts left before the PIN is locked.", left=result.attempts_left)


def adjust_points(package: ElectionPackage, ballot: rules.Ballot, adjust: str) -> rules.Ballot:
    """One point more or less for a project, from the +1 and −1 buttons that need no typing."""
    project_id, _, step = adjust.partition(":")
    if package.project(project_id) is None or step not in ("+1", "-1"):
        abort(400)
    rule = package.rule
    ceiling = rule.points_per_project or rule.points_total
    points = dict(ballot.points)
    points[project_id] = max(0, min(ceiling, points.get(project_id, 0) + int(step)))
    return rules.Ballot(points={project: value for project, value in points.items() if value})


def session_ballot() -> rules.Ballot:
    try:
        return rules.Ballot.from_choices(session.get("choices") or {"selected": []})
    except ValueError:
        return rules.Ballot()


def keep_draft(package: ElectionPackage, choice: rules.Ballot, project_id: str | None) -> Response:
    """Keep the choices so far in this voter's session (WCAG 3.3.7), then go to a project's page or answer the script."""
    if project_id is not None and package.project(project_id) is None:
        abort(404)
    violations = rules.validate(package.rule, choice)
    if not any(violation.code in ("unknown_project", "wrong_shape") for violation in violations):
        session["choices"] = choice.as_choices(package.rule.kind)
    if project_id is None:
        return Response(status=204)
    return redirect(url_for("voter.project", project_id=project_id))


@blueprint.route("/ballot", methods=["GET", "POST"])
@checked_in
def ballot() -> Any:
    package = package_or_none()
    if request.method == "GET":
        return render_template("kiosk/ballot.html", **ballot_context(package, session_ballot(), []))
    choice, problems = ballot_from_form(package, request.form)
    leaving_for = request.form.get("more")
    if leaving_for is not None or request.form.get("action") == "draft":
        return keep_draft(package, choice, leaving_for)
    if package.rule.kind == "points" and request.form.get("adjust"):
        choice = adjust_points(package, choice, request.form["adjust"])
        session["choices"] = choice.as_choices(package.rule.kind)
        return render_template("kiosk/ballot.html", **ballot_context(package, choice, problems)), 422 if problems else 200
    violations = rules.validate(package.rule, choice)
    titles = project_titles(package)
    messages = problems + [i18n.violation_message(violation, titles) for violation in violations]
    if not any(violation.code in ("unknown_project", "wrong_shape") for violation in violations):
        session["choices"] = choice.as_choices(package.rule.kind)
    if messages:
        return render_template("kiosk/ballot.html", **ballot_context(package, choice, messages)), 422
    if request.form.get("action") == "update":
        return render_template("kiosk/ballot.html", **ballot_context(package, choice, []))
    return redirect(url_for("voter.review"))


@blueprint.get("/project/<project_id>")
@checked_in
def project(project_id: str) -> str:
    package = package_or_none()
    item = package.project(project_id)
    if item is None:
        abort(404)
    return render_template("kiosk/project.html", package=package, project=item)


@blueprint.get("/assets/<name>")
def asset(name: str) -> Response:
    content = store.package_asset(f"assets/{name}")
    if content is None:
        abort(404)
    kinds = {"svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp", "opus": "audio/ogg"}
    mimetype = kinds.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    if mimetype.startswith("audio/") and "voter" in session:
        participation.used("speech")
    return Response(content, mimetype=mimetype)


@blueprint.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on every page; answer with the station's icon rather than a 404."""
    icon = Path(current_app.static_folder or "", "favicon.ico").read_bytes()
    return Response(icon, mimetype="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=86400"})


@blueprint.get("/review")
@checked_in
def review() -> Any:
    package = package_or_none()
    choice = session_ballot()
    violations = rules.validate(package.rule, choice)
    if violations:
        return redirect(url_for("voter.ballot"))
    participation.reviewed(choice.as_choices(package.rule.kind))
    return render_template("kiosk/review.html", **ballot_context(package, choice, []))


@blueprint.post("/cast")
def cast() -> Any:
    if "voter" not in session:
        if "receipt" in session or recovered_receipt():
            return redirect(url_for("voter.receipt"))
        return redirect(url_for("voter.welcome"))
    package = package_or_none()
    choice = session_ballot()
    try:
        tracking_code = store.cast(
            session["voter"], choice, session.get("code_hash"), current_app.extensions["vallokal_device_key"], now(),
            participation.at_cast(choice.as_choices(package.rule.kind)),
        )
    except store.InvalidBallot as invalid:
        titles = project_titles(package)
        messages = [i18n.violation_message(violation, titles) for violation in invalid.violations]
        return render_template("kiosk/ballot.html", **ballot_context(package, choice, messages)), 422
    except store.StationError as refusal:
        if refusal.reason == "paused":
            return refuse(refusal.reason, 409)
        if refusal.reason == "storage_full":
            current_app.logger.error("a ballot could not be stored: the station's storage is full")
            return refuse(refusal.reason, 503)
        end_voter_session(keep_display=True)
        return refuse(refusal.reason, 409 if refusal.reason == "code_used" else 403)
    survey = {"survey": True} if participation.survey_questions() else {}
    end_voter_session(keep_display=True, receipt=tracking_code, receipt_at=time.time(), **survey)
    outbox = current_app.extensions.get("vallokal_outbox")
    if outbox is not None:
        outbox.wake()
    return redirect(url_for("voter.receipt"))


@blueprint.get("/receipt")
def receipt() -> Any:
    tracking_code = session.get("receipt") or recovered_receipt()
    if not tracking_code:
        return redirect(url_for("voter.welcome"))
    questions = participation.survey_questions() if session.get("survey") else []
    return render_template(
        "kiosk/receipt.html", package=package_or_none(), tracking_code=tracking_code, qr=qr_svg(tracking_code), questions=questions
    )


def recovered_receipt() -> str | None:
    """After a restart (a power cut) the session is gone, but the cookie's id still names the cast it made."""
    sid = request.cookies.get(current_app.config["SESSION_COOKIE_NAME"])
    if not sid or len(sid) > 64 or session or session.sid == sid:  # the same id: the session ended, not lost
        return None
    since = now() - timedelta(seconds=int(current_app.config["RECEIPT_SECONDS"]))
    tracking_code = store.receipt_for(sessions.voter_token(sid), since)
    if tracking_code:
        session.update(receipt=tracking_code, receipt_at=time.time())
    return tracking_code


@blueprint.get("/still-here")
def still_here() -> Response:
    """The idle warning's "more time": the server's idle clock starts again too."""
    return Response(status=204)


@blueprint.post("/done")
def done() -> Response:
    """Finish, Stop and start over, and the idle reset: a checked-in voter who did not cast has abandoned; after a
    cast, a survey left unanswered is counted as such."""
    if "voter" in session:
        participation.abandoned()
    elif session.get("survey"):
        participation.survey_not_answered()
    end_voter_session()
    return redirect(url_for("voter.welcome"))


@blueprint.post("/survey")
def survey() -> Response:
    """The optional survey after the receipt: counted once per cast, as counters of the day only, then the session ends."""
    if session.get("survey") and "voter" not in session:
        participation.survey_answered(request.form)
    end_voter_session()
    return redirect(url_for("voter.welcome"))


@blueprint.get("/healthz")
def healthz() -> Response:
    package = package_or_none()
    state = store.sync_state()
    return jsonify(
        status="ok",
        election=package.id if package else None,
        polls=store.station().polls,
        ballots_cast=store.ballots_cast(),
        unsynced=store.unsynced(),
        last_sync=state.last_success_at.isoformat(timespec="seconds") + "Z" if state.last_success_at else None,
        storage_full=store.storage_full_since() is not None,
    )
