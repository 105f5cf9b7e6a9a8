"""A count's outcome as files: CSV and JSON of the results, the counted ballots as Pabulib, the tracking codes.

The Pabulib file carries the valid ballots alone, shuffled again on every export
and numbered in that order, so nothing in it links a vote to a device, a
sequence, a cast time or a check-in.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from typing import Any

from ...election.package import ElectionPackage
from ...election.tally import pabulib
from ...election.tally.methods import PABULIB_NAMES
from . import counting, suppression
from .models import Count

VOTE_TYPES = {"approval": "approval", "knapsack": "approval", "ranking": "ordinal", "points": "cumulative"}


def title(package: ElectionPackage, project_id: str) -> str:
    project = package.project(project_id)
    return project.title[package.fallback_language] if project else project_id


def results_json(package: ElectionPackage, count: Count, exact: bool = False) -> dict[str, Any]:
    """The outcome as published (small channels folded, see `suppression`), or `exact` for staff."""
    result = counting.outcome(count)
    if not exact:
        result = suppression.published(result)
    for project in result["projects"]:
        project["title"] = title(package, project["id"])
    return {
        "election": {"id": package.id, "title": package.document["title"], "package_sha256": result["package_sha256"]},
        "count": {"id": count.id, "at": count.at.isoformat(), "input_hash": count.input_hash, "outcome_hash": count.outcome_hash},
        **result,
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def results_csv(package: ElectionPackage, count: Count) -> str:
    result = counting.outcome(count)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["project_id", "title", "cost", result["score_kind"], "selected"])
    for project in sorted(result["projects"], key=lambda item: (-item["score"], item["id"])):
        row = [project["id"], title(package, project["id"]), project["cost"], project["score"], "yes" if project["selected"] else "no"]
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return buffer.getvalue()


def ballots_pb(package: ElectionPackage, count: Count) -> str:
    """The valid ballots as a Pabulib file that other tools (pabutools, pabulib.org) read."""
    result = counting.outcome(count)
    rule = package.rule
    document = package.document
    ballots = [choices for _, choices in counting.counted_ballots(count)]
    secrets.SystemRandom().shuffle(ballots)
    meta = {
        "description": document["title"][package.fallback_language],
        "country": document["area"].get("country", "Sweden"),
        "unit": document["area"].get("municipality", ""),
        "subunit": document["area"]["name"][package.fallback_language],
        "instance": package.id,
        "num_projects": str(len(package.projects)),
        "num_votes": str(len(ballots)),
        "budget": str(package.budget),
        "vote_type": VOTE_TYPES[rule.kind],
        "rule": PABULIB_NAMES[result["counting_rule"]],
        "date_begin": package.opens.date().isoformat(),
        "date_end": package.closes.date().isoformat(),
        "language": package.fallback_language,
        "currency": document.get("currency", "SEK"),
    }
    if rule.kind in ("approval", "knapsack"):
        meta["min_length"] = str(rule.min_selections)
        if rule.max_selections is not None:
            meta["max_length"] = str(rule.max_selections)
        if rule.kind == "knapsack":
            meta["max_sum_cost"] = str(package.budget)
    elif rule.kind == "ranking":
        meta.update(min_length=str(rule.min_rank), max_length=str(rule.max_rank))
    else:
        meta["max_sum_points"] = str(rule.points_total)
        if rule.points_per_project is not None:
            meta["max_points"] = str(rule.points_per_project)
    scores = {project["id"]: project for project in result["projects"]}
    score_column = "votes" if result["score_kind"] == "approvals" else "score"
    projects = {
        project.id: {
            "project_id": project.id,
            "cost": str(project.cost),
            score_column: str(scores[project.id]["score"]),
            "name": project.title[package.fallback_language],
            "category": project.category.get(package.fallback_language, ""),
            "selected": "1" if scores[project.id]["selected"] else "0",
        }
        for project in package.projects
    }
    votes = []
    for number, choices in enumerate(ballots, start=1):
        if "points" in choices:
            chosen = tuple(choices["points"])
            votes.append(pabulib.Vote(str(number), chosen, tuple(choices["points"][project] for project in chosen)))
        else:
            votes.append(pabulib.Vote(str(number), tuple(choices.get("selected") or choices.get("ranked") or ())))
    election = pabulib.Election(
        meta=meta,
        projects=projects,
        votes=votes,
        project_columns=["project_id", "cost", score_column, "name", "category", "selected"],
        vote_columns=["voter_id", "vote", "points"] if rule.kind == "points" else ["voter_id", "vote"],
    )
    return pabulib.write(election)


def tracking_codes_text(count: Count) -> str:
    return "".join(code + "\n" for code in counting.tracking_codes(count))


def as_json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
