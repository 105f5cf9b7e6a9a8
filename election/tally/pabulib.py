"""Reading and writing Pabulib `.pb` files (pabulib.org), the open format of PB elections.

A file has three sections, META, PROJECTS and VOTES; a section starts with a row
whose first cell is its name, and the next row is its header. Cells are
separated by `;` with CSV quoting. Real files bring CRLF line ends, a byte-order
mark, costs written as `4000.0` or `969245.38`, string project ids, optional
columns, rows shorter than the header and repeated projects in one vote; all are
read. A file that cannot be read gets a PabulibError naming the line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from fractions import Fraction

SECTIONS = ("meta", "projects", "votes")
VOTE_TYPES = ("approval", "cumulative", "ordinal", "scoring", "choose-1")


class PabulibError(ValueError):
    """A file that is not valid Pabulib; the message starts with the line number."""


@dataclass
class Vote:
    voter_id: str
    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Election:
    meta: dict[str, str]
    projects: dict[str, dict[str, str]]
    votes: list[Vote]
    meta_order: list[str] = field(default_factory=list)
    project_columns: list[str] = field(default_factory=list)
    vote_columns: list[str] = field(default_factory=list)

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Fraction:
        return parse_money(self.meta["budget"], "budget")

    def cost(self, project_id: str) -> Fraction:
        return parse_money(self.projects[project_id]["cost"], f"cost of project {project_id}")


NUMBER_DIGITS = 18
NUMBER = re.compile(r"-?\d{1,18}(\.\d{1,9})?")


def parse_money(text: str, what: str) -> Fraction:
    """Money as written in Pabulib (`4000`, `4000.0`, `969245.38`), exactly."""
    if not NUMBER.fullmatch(text.strip()):
        raise PabulibError(f"{what}: {text[:40]!r} is not an amount (digits, at most {NUMBER_DIGITS}, and a decimal point)")
    value = Fraction(text.strip())
    if value < 0:
        raise PabulibError(f"{what}: {text!r} is negative")
    return value


def read(data: bytes | str) -> Election:
    """Parse a Pabulib file; raises PabulibError with the line number for anything malformed."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise PabulibError(f"line ?: the file is not UTF-8 ({error.reason} at byte {error.start})") from None
    data = data.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(data, newline=""), delimiter=";", quotechar='"')
    section: str | None = None
    header: list[str] | None = None
    meta: dict[str, str] = {}
    meta_order: list[str] = []
    projects: dict[str, dict[str, str]] = {}
    project_columns: list[str] = []
    votes: list[Vote] = []
    vote_columns: list[str] = []
    seen_voters: set[str] = set()
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            first = row[0].strip()
            if first.lower() in SECTIONS and (len(row) == 1 or all(not cell.strip() for cell in row[1:])):
                section, header = first.lower(), None
                continue
            if section is None:
                raise PabulibError(f"line {line}: expected a section name (META, PROJECTS or VOTES), found {first!r}")
            if header is None:
                header = [cell.strip() for cell in row]
                if section == "projects":
                    if "project_id" not in header or "cost" not in header:
                        raise PabulibError(f"line {line}: the PROJECTS header needs project_id and cost")
                    project_columns = header
                elif section == "votes":
                    if "voter_id" not in header or "vote" not in header:
                        raise PabulibError(f"line {line}: the VOTES header needs voter_id and vote")
                    vote_columns = header
                continue
            cells = dict(zip(header, (cell.strip() for cell in row)))
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
                raise PabulibError(f"line {line}: more cells than the header has columns")
            if section == "meta":
                if len(row) < 2:
                    raise PabulibError(f"line {line}: a META row is key;value")
                key = row[0].strip()
                meta[key] = row[1].strip()
                meta_order.append(key)
            elif section == "projects":
                project_id = cells.get("project_id", "")
                if not project_id:
                    raise PabulibError(f"line {line}: a project without project_id")
                if project_id in projects:
                    raise PabulibError(f"line {line}: project {project_id!r} appears twice")
                parse_money(cells.get("cost", ""), f"line {line}: cost of project {project_id}")
                projects[project_id] = cells
            else:
                votes.append(_vote(cells, line, projects, seen_voters))
    except csv.Error as error:
        raise PabulibError(f"line {reader.line_num}: {error}") from None
    if "budget" not in meta:
        raise PabulibError("line ?: META has no budget")
    parse_money(meta["budget"], "META budget")
    if not projects:
        raise PabulibError("line ?: the file has no PROJECTS")
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(f"line ?: unknown vote_type {vote_type!r}")
    return Election(meta, projects, votes, meta_order, project_columns, vote_columns)


def _vote(cells: dict[str, str], line: int, projects: dict[str, dict[str, str]], seen: set[str]) -> Vote:
    voter_id = cells.get("voter_id", "")
    if not voter_id:
        raise PabulibError(f"line {line}: a vote without voter_id")
    if voter_id in seen:
        raise PabulibError(f"line {line}: voter {voter_id!r} appears twice")
    seen.add(voter_id)
    chosen = tuple(item.strip() for item in cells.get("vote", "").split(",") if item.strip())
    unknown = [project for project in chosen if project not in projects]
    if unknown:
        raise PabulibError(f"line {line}: voter {voter_id} votes for unknown project {unknown[0]!r}")
    points = None
    if cells.get("points", "").strip():
        try:
            items = [item.strip() for item in cells["points"].split(",") if item.strip()]
            if not all(NUMBER.fullmatch(item) for item in items):
                raise ValueError("not a number")
            points = tuple(int(Fraction(item)) for item in items)
        except (ValueError, ZeroDivisionError):
            raise PabulibError(f"line {line}: points of voter {voter_id} are not numbers") from None
        if len(points) != len(chosen):
            raise PabulibError(f"line {line}: voter {voter_id} has {len(chosen)} projects but {len(points)} points")
    extra = {key: value for key, value in cells.items() if key not in ("voter_id", "vote", "points")}
    return Vote(voter_id, chosen, points, extra)


def write(election: Election) -> str:
    """The election as a Pabulib file (LF line ends, `;`, CSV quoting where needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quotechar='"', lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key in election.meta_order or list(election.meta):
        writer.writerow([key, election.meta[key]])
    writer.writerow(["PROJECTS"])
    columns = election.project_columns or ["project_id", "cost"]
    writer.writerow(columns)
    for cells in election.projects.values():
        writer.writerow([cells.get(column, "") for column in columns])
    writer.writerow(["VOTES"])
    vote_columns = election.vote_columns or (["voter_id", "vote", "points"] if any(vote.points for vote in election.votes) else ["voter_id", "vote"])
    writer.writerow(vote_columns)
    for vote in election.votes:
        values = {"voter_id": vote.voter_id, "vote": ",".join(vote.projects), "points": ",".join(str(point) for point in vote.points or ()), **vote.extra}
        writer.writerow([values.get(column, "") for column in vote_columns])
    return buffer.getvalue()
