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
from ...web import i18n
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
    "languages": lazy_gettext("Ballots at the stations by language"),
    "text_sizes": lazy_gettext("Ballots at the stations by text size"),
    "contrasts": lazy_gettext("Ballots at the stations by colours"),
    "features": lazy_gettext("Ballots at the stations that used speech, help or a change after the review"),
    "time_to_cast": lazy_gettext("Time from check-in to cast"),
    "sessions": lazy_gettext("Sessions at the stations: cast and abandoned before casting"),
    "survey": lazy_gettext("The survey after the receipt"),
}
LABELS = {
    "text_sizes": {"normal": lazy_gettext("Normal"), "large": lazy_gettext("Large"), "larger": lazy_gettext("Larger"), "largest": lazy_gettext("Largest")},
    "contrasts": {"default": lazy_gettext("Standard colours"), "dark": lazy_gettext("Dark"), "light": lazy_gettext("Light, high contrast")},
    "features": {
        "speech": lazy_gettext("Listened to speech"), "help": lazy_gettext("Opened the help page"),
        "changed_on_review": lazy_gettext("Changed a choice after the review page"),
    },
    "time_to_cast": {
        "under_2": lazy_gettext("Under 2 minutes"), "2_5": lazy_gettext("2–5 minutes"), "5_10": lazy_gettext("5–10 minutes"),
        "over_10": lazy_gettext("Over 10 minutes"),
    },
    "sessions": {"cast": lazy_gettext("Cast"), "abandoned": lazy_gettext("Abandoned before casting")},
    "survey": {"answered": lazy_gettext("Answered"), "not_answered": lazy_gettext("Not answered")},
}
LARGEST_POPULATION = 100_000_000
LARGEST_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


class FollowUpError(ValueError):
    """Input a clerk can correct; the message says how."""


def current_figures() -> participations.Participation:
    package = store.require_election()
    other: dict[str, int] = {"paper": len(channels.agreed_paper_ballots())}
    for imported in channels.imported_files():
        other[imported.source] = other.get(imported.source, 0) + imported.ballots
    eligible = sum(store.eligible_population().values()) or None
    extra = participations.counter_breakdowns(store.counter_totals(), survey_questions(package))
    return participations.figures(store.station_cast_minutes(), other, package.timezone, eligible, extra)


def survey_questions(package: Any) -> list[dict[str, Any]]:
    return list(package.document.get("survey", {}).get("questions", ()))


def titles() -> dict[str, str]:
    """Every breakdown's title, the survey's questions in the package's first language."""
    package = store.require_election()
    found = {key: str(title) for key, title in BREAKDOWN_TITLES.items()}
    for question in survey_questions(package):
        found[f"survey:{question['id']}"] = gettext("Survey: %(question)s", question=package_text(question["text"], package))
    return found


def package_text(text: dict[str, str], package: Any) -> str:
    return text.get(package.fallback_language) or next(iter(text.values()))


def label(key: str, name: str) -> str:
    """A breakdown's row as clerks read it; machine names stay in the CSV and JSON."""
    if key == "channels":
        return channel_label(name)
    if key == "languages":
        return i18n.LANGUAGES.get(name, name)
    if key in LABELS:
        return str(LABELS[key].get(name, name))
    if key.startswith("survey:"):
        if name == participations.NO_ANSWER:
            return gettext("No answer")
        package = store.require_election()
        question = next((item for item in survey_questions(package) if f"survey:{item['id']}" == key), None)
        answer = next((item for item in (question or {}).get("answers", ()) if item["id"] == name), None)
        return package_text(answer["text"], package) if answer else name
    return name


def channel_label(name: str) -> str:
    return {"stations": gettext("At the stations"), "paper": gettext("Paper ballots")}.get(name, name)


def exact_cells(figures: participations.Participation) -> dict[str, dict[str, Cell]]:
    every = {**figures.breakdowns, **figures.extra}
    return {key: {name: Cell(count) for name, count in counts.items()} for key, counts in every.items()}


def charts(cells: dict[str, dict[str, Cell]]) -> dict[str, Any]:
    under = gettext("under %(threshold)s", threshold=threshold())
    named = titles()
    drawn = {}
    for key, row in cells.items():
        labels = {label(key, name): (cell.count, cell.text(threshold(), under=under)) for name, cell in row.items()}
        drawn[key] = bar_chart(labels, named.get(key, key))
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
        "office/participation.html", figures=figures, charts=charts(exact_cells(figures)), titles=titles(),
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
        titles=titles(), package=store.require_election(), threshold=threshold(), printed_at=now(),
    )


@blueprint.get("/participation.csv")
@login_required
def participation_csv() -> Response:
    document = as_json(current_figures(), threshold())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["breakdown", "label", "ballots"])
    for key, row in document.items():
        if isinstance(row, dict):
            for name, value in row.items():
                writer.writerow([key, name, value])
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
        photo = read_photo(request.files.get("photo"))
    except FollowUpError as error:
        return projects(str(error), 422)
    store.add_project_update(project_id, status, on_date, texts, reason, session["office_user"], photo)
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


def photo_type(data: bytes) -> str | None:
    """The image type read from the first bytes, whatever the file's name or the browser says: JPEG, PNG or WebP."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in PHOTO_TYPES.items() if data.startswith(magic)), None)


def read_photo(upload: Any) -> tuple[bytes, str] | None:
    """An optional photo: nothing chosen is no photo; anything else must be a JPEG, PNG or WebP of at most 2 MB."""
    if upload is None or not upload.filename:
        return None
    try:
        data = upload.stream.read(LARGEST_PHOTO_BYTES + 1)
    finally:
        upload.close()
    if len(data) > LARGEST_PHOTO_BYTES:
        raise FollowUpError(gettext("The photo is larger than 2 MB. Make it smaller and try again."))
    kind = photo_type(data)
    if kind is None:
        raise FollowUpError(gettext("The photo must be a JPEG, PNG or WebP image."))
    return data, kind


public = Blueprint("followup_public", __name__, url_prefix="/results")


@public.get("/follow-up")
def public_projects() -> Any:
    if counting.latest_published() is None:
        abort(404)
    return render_template("results/follow_up.html", package=store.require_election(), histories=histories(), statuses=STATUSES)


@public.get("/follow-up/photo/<int:update_id>")
def photo(update_id: int) -> Response:
    """A winner's photo, only once a count is published, with the type read from its bytes; never sniffed again by the browser."""
    if counting.latest_published() is None:
        abort(404)
    found = store.project_update_photo(update_id)
    if found is None:
        abort(404)
    data, kind = found
    return Response(data, mimetype=kind, headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400",
                                                    "Content-Disposition": "inline"})


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
