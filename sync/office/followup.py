"""Follow-up, the seventh step: participation figures for the board, and what became of each winning project.

Clerks see exact figures; what is printed for the board, exported or published has small counts
suppressed (`SUPPRESSION_THRESHOLD`). Nothing here reads a record's order or links a figure to a ballot.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext

from ...election import participation as participations
from ...election.suppression import Cell
from ...web.charts import bar_chart
from ...web.clock import now
from . import channels, counting, store
from .admin import login_required
from .suppression import threshold

blueprint = Blueprint("followup", __name__)

STATUSES = {
    "planned": lazy_gettext("Planned"),
    "started": lazy_gettext("Started"),
    "done": lazy_gettext("Done"),
    "changed": lazy_gettext("Changed"),
    "cancelled": lazy_gettext("Cancelled"),
}
NEEDS_REASON = {"changed", "cancelled"}
BREAKDOWN_TITLES = {
    "stations": lazy_gettext("Ballots by station"),
    "days": lazy_gettext("Ballots by day"),
    "hour_bands": lazy_gettext("Ballots by time of day (local time)"),
    "channels": lazy_gettext("Ballots by channel"),
}
LARGEST_POPULATION = 100_000_000


class FollowUpError(ValueError):
    """Input a clerk can correct; the message says how."""


def current_figures() -> participations.Participation:
    package = store.require_election()
    other: dict[str, int] = {"paper": len(channels.agreed_paper_ballots())}
    for imported in channels.imported_files():
        other[imported.source] = other.get(imported.source, 0) + imported.ballots
    eligible = sum(store.eligible_population().values()) or None
    return participations.figures(store.station_cast_minutes(), other, package.timezone, eligible)


def channel_label(name: str) -> str:
    return {"stations": gettext("At the stations"), "paper": gettext("Paper ballots")}.get(name, name)


def exact_cells(figures: participations.Participation) -> dict[str, dict[str, Cell]]:
    return {key: {label: Cell(count) for label, count in counts.items()} for key, counts in figures.breakdowns.items()}


def charts(cells: dict[str, dict[str, Cell]]) -> dict[str, Any]:
    under = gettext("under %(threshold)s", threshold=threshold())
    drawn = {}
    for key, row in cells.items():
        labels = {(channel_label(label) if key == "channels" else label): (cell.count, cell.text(threshold(), under=under)) for label, cell in row.items()}
        drawn[key] = bar_chart(labels, str(BREAKDOWN_TITLES.get(key, key)))
    return drawn


def as_json(figures: participations.Participation, limit: int) -> dict[str, Any]:
    """One key per breakdown; suppressed cells as the string "<10"; the total and turnout only where they hide nothing."""
    cells = participations.published(figures, limit)
    document: dict[str, Any] = {key: {label: cell.machine(limit) for label, cell in row.items()} for key, row in cells.items()}
    document["total"] = figures.total if figures.total >= limit else f"<{limit}"
    document["eligible"] = figures.eligible
    document["turnout_percent"] = figures.turnout_percent if figures.total >= limit else None
    document["suppression_threshold"] = limit
    return document


@blueprint.get("/participation/")
@login_required
def participation(error: str | None = None, status: int = 200) -> Any:
    figures = current_figures()
    return render_template(
        "office/participation.html", figures=figures, charts=charts(exact_cells(figures)), titles=BREAKDOWN_TITLES,
        channel_label=channel_label, areas=store.eligible_population(), error=error,
    ), status


@blueprint.post("/participation/population")
@login_required
def set_population() -> Any:
    try:
        area, population = read_population(request.form.get("area", ""), request.form.get("population", ""))
    except FollowUpError as error:
        return participation(str(error), 422)
    store.set_eligible_population(area, population, session["office_user"])
    return redirect(url_for("followup.participation"))


def read_population(area: str, population: str) -> tuple[str, int]:
    area = " ".join(area.split())
    if not area or len(area) > 200:
        raise FollowUpError(gettext("Name the area in 1 to 200 characters."))
    text = population.replace(" ", "").replace("\u00a0", "")
    if not text.isdigit() or len(text) > 9 or not 0 < int(text) <= LARGEST_POPULATION:
        raise FollowUpError(gettext("Give the eligible population as a whole number from 1 to 100 000 000."))
    return area, int(text)


@blueprint.get("/participation/print")
@login_required
def participation_print() -> Any:
    figures = current_figures()
    cells = participations.published(figures, threshold())
    return render_template(
        "office/participation_print.html", figures=figures, document=as_json(figures, threshold()), charts=charts(cells),
        titles=BREAKDOWN_TITLES, package=store.require_election(), threshold=threshold(),
    )


@blueprint.get("/participation.csv")
@login_required
def participation_csv() -> Response:
    document = as_json(current_figures(), threshold())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["breakdown", "label", "ballots"])
    for key in participations.BREAKDOWNS:
        for label, value in document[key].items():
            writer.writerow([key, label, value])
    writer.writerow(["total", "", document["total"]])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="participation.csv"'})


# What became of each winning project --------------------------------------------------


def winners() -> list[str]:
    count = counting.latest_published()
    return list(counting.outcome(count)["winners"]) if count is not None else []


def histories() -> dict[str, list[dict[str, Any]]]:
    """Per winning project, its updates newest first, each with its texts decoded."""
    found: dict[str, list[dict[str, Any]]] = {project_id: [] for project_id in winners()}
    for update in store.project_updates():
        if update.project_id in found:
            found[update.project_id].append({"news": update, "texts": json.loads(update.texts)})
    return found


@blueprint.get("/follow-up/")
@login_required
def projects(error: str | None = None, status: int = 200) -> Any:
    package = store.require_election()
    today = now().astimezone(package.timezone).date().isoformat()
    return render_template(
        "office/follow_up.html", package=package, histories=histories(), statuses=STATUSES, today=today,
        needs_reason=NEEDS_REASON, error=error,
    ), status


@blueprint.post("/follow-up/<project_id>")
@login_required
def add_update(project_id: str) -> Any:
    package = store.require_election()
    if project_id not in winners():
        abort(404)
    try:
        status, on_date, texts, reason = read_update(request.form, package.languages)
    except FollowUpError as error:
        return projects(str(error), 422)
    store.add_project_update(project_id, status, on_date, texts, reason, session["office_user"])
    return redirect(url_for("followup.projects") + f"#project-{project_id}")


def read_update(form: Any, languages: list[str]) -> tuple[str, str, dict[str, str], str | None]:
    status = form.get("status", "")
    if status not in STATUSES:
        raise FollowUpError(gettext("Choose a status."))
    try:
        on_date = date.fromisoformat(form.get("date", "")[:10]).isoformat()
    except ValueError:
        raise FollowUpError(gettext("Give the date as YYYY-MM-DD.")) from None
    texts = {language: " ".join(form.get(f"text-{language}", "").split())[:1000] for language in languages}
    texts = {language: text for language, text in texts.items() if text}
    if not texts.get(languages[0]):
        raise FollowUpError(gettext("Write a short text at least in the first language of the vote."))
    reason = " ".join(form.get("reason", "").split())[:1000] or None
    if status in NEEDS_REASON and not reason:
        raise FollowUpError(gettext("Say why the project was changed or cancelled."))
    return status, on_date, texts, reason


public = Blueprint("followup_public", __name__, url_prefix="/results")


@public.get("/follow-up")
def public_projects() -> Any:
    if counting.latest_published() is None:
        abort(404)
    return render_template("results/follow_up.html", package=store.require_election(), histories=histories(), statuses=STATUSES)


@public.get("/follow-up.atom")
def feed() -> Response:
    if counting.latest_published() is None:
        abort(404)
    package = store.require_election()
    entries = [entry for history in histories().values() for entry in history]
    entries.sort(key=lambda entry: (entry["news"].at, entry["news"].id), reverse=True)
    body = render_template(
        "results/follow_up.atom", package=package, entries=entries, statuses=STATUSES,
        feed_url=url_for("followup_public.feed", _external=True), page_url=url_for("followup_public.public_projects", _external=True),
    )
    return Response(body, mimetype="application/atom+xml")
