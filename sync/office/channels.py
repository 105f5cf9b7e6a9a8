"""Ballots that did not come through a station: paper ballots typed in twice, and vote files from other platforms.

A paper ballot counts when two different staff members have typed the same
sheet the same way; sheets whose entries disagree are listed for resolution
(a third person types the sheet again), never settled by overwriting. A vote
file (Pabulib `.pb`, or CSV with a `vote` column) is taken once; its voter ids
are not kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from datetime import datetime
from typing import Any

from ...election import spreadsheet
from ...election.package import ElectionPackage, canonical_json
from ...election.rules import Ballot
from ...election.tally import pabulib
from . import store
from .models import ImportedFile, PaperEntry

SHEET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,39}$")
SHAPES = {"approval": "selected", "knapsack": "selected", "ranking": "ranked", "points": "points"}


class ChannelError(Exception):
    """Input staff must correct; the message says what and where."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def _stored_choices(package: ElectionPackage, choices: dict[str, Any]) -> str:
    """The canonical text of a ballot as entered; refuses a shape the package's rule does not use."""
    try:
        ballot = Ballot.from_choices(choices)
    except ValueError as error:
        raise ChannelError(str(error)) from None
    if SHAPES[package.rule.kind] not in choices:
        raise ChannelError(f"this election's ballots are {package.rule.kind} ballots")
    return canonical_json(ballot.as_choices(package.rule.kind)).decode("utf-8")


# Paper ----------------------------------------------------------------------------------


def enter_paper(sheet: str, choices: dict[str, Any], entered_by: str, now: datetime) -> None:
    package = store.require_election()
    sheet = sheet.strip()
    if not SHEET.match(sheet):
        raise ChannelError("the sheet number is 1–40 letters, digits, spaces or . _ / - and starts with a letter or digit")
    text = _stored_choices(package, choices)
    if not store.add_paper_entry(sheet, text, entered_by, now):
        raise ChannelError(f"you have already typed sheet {sheet}; another person must type it the second time", 409)


def paper_sheets() -> list[dict[str, Any]]:
    """Every sheet with its state: agreed (two people typed it alike), waiting (one entry) or mismatch."""
    entries: dict[str, list[PaperEntry]] = defaultdict(list)
    for entry in store.paper_entries():
        entries[entry.sheet].append(entry)
    sheets = []
    for sheet, typed in entries.items():
        agreed = next(
            (first.choices for position, first in enumerate(typed) for second in typed[position + 1 :]
             if first.choices == second.choices and first.entered_by != second.entered_by),
            None,
        )
        state = "agreed" if agreed is not None else ("waiting" if len(typed) == 1 else "mismatch")
        sheets.append({"sheet": sheet, "state": state, "choices": agreed, "entries": typed})
    return sheets


agreed_paper_ballots = store.agreed_paper_ballots


# Files from other platforms --------------------------------------------------------------


def import_votes(data: bytes, filename: str, source: str, imported_by: str, now: datetime, *, approved_by: str) -> ImportedFile:
    """Take a file of votes once; a second, different clerk (checked by the caller) approves it."""
    if not approved_by or approved_by == imported_by:
        raise store.NotApproved("importing votes needs a second, different clerk to approve")
    package = store.require_election()
    source = source.replace("\x00", "").strip()[:200]
    filename = filename.replace("\x00", "")
    if not source:
        raise ChannelError("say where the votes come from (for example, the name of the digital platform)")
    digest = hashlib.sha256(data).hexdigest()
    if store.imported_file_exists(digest):
        raise ChannelError(f"{filename} was imported before; its votes are already here", 409)
    ballots = _read_votes(data, package)
    return store.add_imported_file(digest, source, filename[:300], ballots, imported_by, approved_by, now)


imported_files = store.imported_files
imported_ballots = store.imported_ballots


def _read_votes(data: bytes, package: ElectionPackage) -> list[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ChannelError("the file is not UTF-8 text") from None
    if text.lstrip().upper().startswith("META"):
        try:
            election = pabulib.read(data)
        except pabulib.PabulibError as error:
            raise ChannelError(f"not a valid Pabulib file: {error}") from None
        unknown = sorted(set(election.projects) - {project.id for project in package.projects})
        if unknown:
            raise ChannelError(f"the file's projects {', '.join(unknown[:10])} are not in this election")
        fractional = [project for project in election.projects if election.cost(project).denominator != 1]
        if fractional or election.budget.denominator != 1:
            raise ChannelError(f"money is counted in whole kronor; the file gives {'the cost of ' + fractional[0] if fractional else 'the budget'} with öre")
        rows = [(f"vote {vote.voter_id}", list(vote.projects), list(vote.points) if vote.points else None) for vote in election.votes]
    else:
        try:
            rows = list(_csv_votes(text))
        except csv.Error as error:
            raise ChannelError(f"the CSV file cannot be read: {error} (a cell holds at most {csv.field_size_limit() // 1024} KiB)") from None
    known = {project.id for project in package.projects}
    ballots = []
    for where, projects, points in rows:
        unknown = [project for project in projects if project not in known]
        if unknown:
            raise ChannelError(f"{where}: project {unknown[0]!r} is not in this election")
        ballots.append(_stored_choices(package, _choices(package, projects, points, where)))
    if not ballots:
        raise ChannelError("the file holds no votes")
    return ballots


def _choices(package: ElectionPackage, projects: list[str], points: list[int] | None, where: str) -> dict[str, Any]:
    kind = package.rule.kind
    if kind == "points":
        if points is None:
            raise ChannelError(f"{where}: this election gives points, and the vote has none")
        totals: dict[str, int] = defaultdict(int)
        for project, given in zip(projects, points):
            totals[project] += given
        return {"points": dict(totals)}
    if kind == "ranking":
        return {"ranked": projects}
    return {"selected": projects}


def _csv_votes(text: str):
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=spreadsheet.delimiter(text))
    if not reader.fieldnames or "vote" not in [name.strip() for name in reader.fieldnames]:
        raise ChannelError("line 1: a CSV file of votes needs a column named vote (project ids separated by commas)")
    for line, row in enumerate(reader, start=2):
        cells = {(key or "").strip(): (value or "") for key, value in row.items()}
        projects = [item.strip() for item in cells.get("vote", "").split(",") if item.strip()]
        points = None
        if cells.get("points", "").strip():
            try:
                points = [int(item) for item in cells["points"].split(",") if item.strip()]
            except ValueError:
                raise ChannelError(f"line {line}: points must be whole numbers") from None
            if len(points) != len(projects):
                raise ChannelError(f"line {line}: {len(projects)} projects but {len(points)} points")
        yield f"line {line}", projects, points

