"""The public results: winners, votes per project, turnout, "was my ballot counted?", and the files behind them.

Public pages show the count staff published; staff see any count through the
same views (see `admin`). Everything works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext

from ...election import crockford, envelope
from ...web import i18n
from . import counting, exports, publication as publications, store, suppression
from .models import Count
from .protocol import render_protocol

blueprint = Blueprint("results", __name__, url_prefix="/results")
PUBLICATION = "publication.zip"

DOWNLOADS = {
    "results.csv": ("text/csv; charset=utf-8", lambda package, count: exports.results_csv(package, count)),
    "results.json": ("application/json", lambda package, count: exports.as_json_text(exports.results_json(package, count))),
    "ballots.pb": ("text/plain; charset=utf-8", lambda package, count: exports.ballots_pb(package, count)),
    "tracking-codes.txt": ("text/plain; charset=utf-8", lambda package, count: exports.tracking_codes_text(count)),
}


def lookup(count: Count, typed: str | None) -> dict[str, Any] | None:
    """The answer to "was my ballot counted?" for a typed tracking code."""
    if typed is None:
        return None
    try:
        code = crockford.group(crockford.normalize(typed, envelope.TRACKING_SYMBOLS))
    except crockford.CodeError:
        return {"typed": typed[:40], "state": "mistyped"}
    return {"typed": code, "state": "counted" if counting.was_counted(count, code) else "not_found"}


def render_results(count: Count, download_url: Callable[[str], str], protocol_url: str, lookup_url: str, staff: bool = False) -> str:
    package = store.require_election()
    result = counting.outcome(count)
    if not staff:
        result = suppression.published(result)
    projects = sorted(result["projects"], key=lambda item: (-item["score"], item["id"]))
    return render_template(
        "results/results.html",
        package=package,
        count=count,
        result=result,
        projects=projects,
        highest=max((project["score"] for project in projects), default=0) or 1,
        answer=lookup(count, request.args.get("code")),
        download_url=download_url,
        protocol_url=protocol_url,
        lookup_url=lookup_url,
        staff=staff,
        folded_names=", ".join(str(CHANNEL_NAMES.get(name, name)).lower() for name in result.get("suppression", {}).get("folded_channels", [])),
    )


def download(count: Count, name: str, staff: bool = False) -> Response:
    published = publications.publication(count)
    if name == PUBLICATION and published is not None:
        return _attachment(count, name, "application/zip", published.archive)
    if name not in DOWNLOADS:
        abort(404)
    media_type, make = DOWNLOADS[name]
    package = store.require_election()
    if published is not None and name in ("ballots.pb", "tracking-codes.txt"):
        return _attachment(count, name, media_type, publications.files(published)[name])
    content = exports.as_json_text(exports.results_json(package, count, exact=staff)) if name == "results.json" else make(package, count)
    return _attachment(count, name, media_type, content)


def _attachment(count: Count, name: str, media_type: str, body: Any) -> Response:
    """A download named after the election and the count; published files are served as published."""
    filename = f"{store.require_election().id}-count-{count.id}-{name}"
    return Response(body, mimetype=media_type.split(";")[0], content_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def published() -> Count | None:
    return counting.latest_published() if store.election() is not None else None


@blueprint.get("/")
def results() -> Any:
    count = published()
    if count is None:
        return render_template("results/none.html", package=store.election())
    return render_results(count, lambda name: url_for("results.file", name=name), url_for("results.protocol"), url_for("results.results"))


@blueprint.get("/protocol")
def protocol() -> Any:
    count = published()
    if count is None:
        abort(404)
    return render_protocol(count)


@blueprint.get("/verify")
def verify() -> Any:
    """What a resident can check, in plain words, with the publication to download."""
    count = published()
    if count is None or publications.publication(count) is None:
        return render_template("results/none.html", package=store.election())
    return render_template("results/verify.html", package=store.require_election(), count=count)


@blueprint.get("/<name>")
def file(name: str) -> Response:
    count = published()
    if count is None:
        abort(404)
    return download(count, name)


@blueprint.post("/language")
def language() -> Any:
    chosen = request.form.get("language", "")
    if chosen in i18n.LANGUAGES:
        session["language"] = chosen
    back = request.form.get("back", "")
    if back == url_for("office.login"):
        return redirect(back, 303)
    return redirect(url_for("results.results"), 303)


RULE_NAMES = {
    "greedy": lazy_gettext("Most votes first (greedy), skipping what no longer fits"),
    "greedy-per-cost": lazy_gettext("Most votes per krona first (greedy), skipping what no longer fits"),
    "mes-cost": lazy_gettext("Method of Equal Shares (cost satisfaction)"),
    "mes-card": lazy_gettext("Method of Equal Shares (cardinality satisfaction)"),
    "mes-completed": lazy_gettext("Method of Equal Shares, completed by raising the voters' shares"),
    "mes-compared": lazy_gettext("Method of Equal Shares, completed, compared with most votes first"),
}
SCORE_HEADINGS = {
    "approvals": lazy_gettext("Votes per project"),
    "points": lazy_gettext("Points per project"),
    "borda": lazy_gettext("Ranking points per project"),
}
CHANNEL_NAMES = {
    "station": lazy_gettext("At the voting stations"),
    "paper": lazy_gettext("On paper"),
    "import": lazy_gettext("Other platforms"),
}
INVALID_REASONS = {
    "unopenable": lazy_gettext("The sealed ballot could not be opened"),
    "unreadable": lazy_gettext("The ballot is not in a form any rule makes"),
}


def invalid_reason(reason: str) -> str:
    """A reason such as `over_budget,too_many` in words; unknown codes are shown as they are."""
    if reason in INVALID_REASONS:
        return str(INVALID_REASONS[reason])
    return ", ".join(str(VIOLATIONS.get(code, code)) for code in reason.split(","))


VIOLATIONS = {
    "wrong_shape": lazy_gettext("wrong kind of ballot"),
    "unknown_project": lazy_gettext("a project that is not on the ballot"),
    "repeated_project": lazy_gettext("a project chosen twice"),
    "too_few": lazy_gettext("too few projects"),
    "too_many": lazy_gettext("too many projects"),
    "over_budget": lazy_gettext("over the budget"),
    "under_min_spend": lazy_gettext("under the least amount to spend"),
    "negative_points": lazy_gettext("negative points"),
    "over_points": lazy_gettext("more points than there are to give"),
    "over_project_cap": lazy_gettext("more points to one project than allowed"),
    "points_left": lazy_gettext("points left that had to be given"),
}


@blueprint.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "rule_name": lambda rule: str(RULE_NAMES.get(rule, rule)),
        "score_heading": lambda kind: str(SCORE_HEADINGS.get(kind, kind)),
        "invalid_reason": invalid_reason,
        "channel_name": lambda channel: str(CHANNEL_NAMES.get(channel, channel)),
    }
