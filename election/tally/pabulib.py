"""Reading and writing Pabulib `.pb` files (pabulib.org), the open format of PB elections.

A file has three sections, META, PROJECTS and VOTES; a section starts with a row
whose first cell is its name, and the next row is its header. Cells are
separated by `;` with CSV quoting. Real files bring CRLF line ends, a byte-order
mark, costs written as `4000.0` or `969245.38`, string project ids, optional
columns, rows shorter than the header and repeated projects in one vote; all are
read. A file that cannot be read gets a PabulibError naming the line.

For counting, `read(data, merge=True)` keeps one vote per distinct ballot with how
many voters cast it (`Election.weights`): a hundred thousand voters become the few
tens of thousands of ballots a rule has to look at, without an object per voter.
A file without quotes is split on `;` directly, which is several times quicker
than the csv module and reads the same cells; merged, a plain VOTES section is
counted and checked in bulk (C loops over the whole section), and only a section
that fails a bulk check is read row by row, where each check names its line. Such a
section's distinct ballots stay columns (`Election.ballots`), which the profile reads;
their Vote objects are made only if asked for. Given bytes, as the tally command reads, a
plain VOTES section is merged over the bytes in numpy before any of that (`votes_in_bulk`).
"""

from __future__ import annotations

import csv
import gc
import io
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from itertools import islice
from operator import methodcaller

from . import votes_in_bulk
from .votes_in_bulk import NUMBER_DIGITS, SECTIONS

VOTE_TYPES = ("approval", "cumulative", "ordinal", "scoring", "choose-1")


class PabulibError(ValueError):
    """A file that is not valid Pabulib; the message starts with the line number."""


@dataclass(slots=True)
class Vote:
    voter_id: str
    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Ballots:
    """Distinct ballots as columns, for counting without an object per ballot: each one's first
    voter and vote cell, every chosen project in one list (`lengths` per ballot), points likewise
    (None if no ballot has points)."""

    voter_ids: list[str]
    vote_cells: list[str]
    projects: list[str]
    lengths: list[int]
    points: list[int] | None

    def votes(self) -> list[Vote]:
        chosen = map(tuple, map(_SPLIT_ITEMS, self.vote_cells))
        if self.points is None:
            return list(map(Vote, self.voter_ids, chosen))
        points = iter(self.points)
        return [Vote(voter_id, projects, tuple(islice(points, len(projects)))) for voter_id, projects in zip(self.voter_ids, chosen)]


class NumberedBallots:
    """The distinct ballots of `votes_in_bulk.Counted`, as `Ballots` gives them: numbers for counting
    (`columns`, each a place among the sorted project ids), text made only if asked."""

    def __init__(self, counted, columns, project_ids: list[str]) -> None:
        self.counted, self.columns, self.project_ids = counted, columns, project_ids
        self.lengths, self.points = counted.lengths, counted.points

    @cached_property
    def voter_ids(self) -> list[str]:
        return self.counted.voters_of(self.counted.first_rows.tolist())

    @cached_property
    def vote_cells(self) -> list[str]:
        return self.counted.cells(self.counted.vote_bounds)

    @property
    def projects(self) -> list[str]:
        return [self.project_ids[column] for column in self.columns.tolist()]

    def votes(self) -> list[Vote]:
        return Ballots(self.voter_ids, self.vote_cells, [], self.lengths.tolist(), None if self.points is None else self.points.tolist()).votes()


@dataclass
class Election:
    meta: dict[str, str]
    projects: dict[str, dict[str, str]]
    votes: list[Vote]
    meta_order: list[str] = field(default_factory=list)
    project_columns: list[str] = field(default_factory=list)
    vote_columns: list[str] = field(default_factory=list)
    # With `read(..., merge=True)`: how many voters cast each of `votes` (its voter_id is the first of them).
    weights: list[int] | None = None
    # With `read(..., merge=True)` and plain cells: the votes as columns, `votes` made from them when first asked.
    ballots: Ballots | NumberedBallots | None = field(default=None, repr=False, compare=False)

    def weight(self, position: int) -> int:
        return 1 if self.weights is None else self.weights[position]

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> Fraction:
        return parse_money(self.meta["budget"], "budget")

    def cost(self, project_id: str) -> Fraction:
        return parse_money(self.projects[project_id]["cost"], f"cost of project {project_id}")


def _votes(election: Election) -> list[Vote]:
    if election._votes is None:
        election._votes = election.ballots.votes()
    return election._votes


def _set_votes(election: Election, votes: list[Vote] | None) -> None:
    election._votes = votes


# `votes` is made from `ballots` only when someone asks for it: a merged count of 100,000 voters
# needs the columns, not some 80,000 Vote objects (0.1-0.2 s).
Election._votes = None
Election.votes = property(_votes, _set_votes, doc="The votes (with `ballots`: made from them when first asked).")


NUMBER = re.compile(r"-?\d{1,18}(\.\d{1,9})?")


def parse_money(text: str, what: str) -> Fraction:
    """Money as written in Pabulib (`4000`, `4000.0`, `969245.38`), exactly."""
    if not NUMBER.fullmatch(text.strip()):
        raise PabulibError(f"{what}: {text[:40]!r} is not an amount (digits, at most {NUMBER_DIGITS}, and a decimal point)")
    value = Fraction(text.strip())
    if value < 0:
        raise PabulibError(f"{what}: {text!r} is negative")
    return value


# Characters on which the csv module and str.splitlines() could cut a file differently, or quoting:
# a file with any of them is read by the csv module.
_NOT_PLAIN = re.compile('["\x0b\x0c\x1c-\x1e\x85\u2028\u2029]')


def read(data: bytes | str, merge: bool = False) -> Election:
    """Parse a Pabulib file; raises PabulibError with the line number for anything malformed.

    With `merge`, identical votes (same projects in the same order, same points) become one
    vote with a weight, and extra vote columns are dropped: the form for counting.
    The garbage collector waits meanwhile: it would scan the growing heap of cells again and
    again (half the reading time of 100,000 rows), and the rows hold no cycles.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(data, merge)
    finally:
        if collecting:
            gc.enable()


def _read(data: bytes | str, merge: bool) -> Election:
    if merge and isinstance(data, bytes):
        section = votes_in_bulk.votes_section(data)
        merged_votes = None if section is None else votes_in_bulk.merged(section)
        if merged_votes is not None:
            return _parse(section.before_rows, merge, merged_votes)
    return _parse(data, merge)


def _parse(data: bytes | str, merge: bool, merged_votes: votes_in_bulk.Counted | tuple[list, ...] | None = None) -> Election:
    """The file, row by row; with `merged_votes` the file ends at its VOTES header and the rows after it come merged (`votes_in_bulk`)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise PabulibError(f"line ?: the file is not UTF-8 ({error.reason} at byte {error.start})") from None
    data = data.lstrip("\ufeff")
    merged: dict[tuple[str, str], list] = {}
    bulk: list[tuple[list, ...]] = [] if merged_votes is None else [merged_votes]
    rows = _rows(data, bulk if merge else None)
    section: str | None = None
    header: list[str] | None = None
    meta: dict[str, str] = {}
    meta_order: list[str] = []
    projects: dict[str, dict[str, str]] = {}
    project_columns: list[str] = []
    votes: list[Vote] = []
    vote_columns: list[str] = []
    seen_voters: set[str] = set()
    line = 0
    try:
        for line, row in rows:
            if not "".join(row).strip():
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
                    voter_column, vote_column = header.index("voter_id"), header.index("vote")
                    points_column = header.index("points") if "points" in header else None
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
                raise PabulibError(f"line {line}: more cells than the header has columns")
            if merge and section == "votes":
                _merge(row, line, voter_column, vote_column, points_column, seen_voters, merged)
                continue
            cells = dict(zip(header, (cell.strip() for cell in row)))
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
        raise PabulibError(f"line {line + 1}: {error}") from None
    weights = ballots = None
    numbered = bulk[0] if bulk and isinstance(bulk[0], votes_in_bulk.Counted) else None
    project_ids = sorted(projects)
    columns = None if numbered is None else numbered.columns(project_ids)
    if columns is not None:
        votes, weights, ballots = None, numbered.weights.tolist(), NumberedBallots(numbered, columns, project_ids)
    elif merge:
        if numbered is not None:
            bulk[0] = numbered.as_cells()
        vote_cells, point_cells, weights, first_lines, voter_ids = bulk[0] if bulk else (
            [key[0] for key in merged], [key[1] for key in merged], *([entry[column] for entry in merged.values()] for column in range(3))
        )
        distinct = _distinct_votes(vote_cells, point_cells, first_lines, voter_ids, projects)
        votes, ballots = (None, distinct) if isinstance(distinct, Ballots) else (distinct, None)
    if "budget" not in meta:
        raise PabulibError("line ?: META has no budget")
    parse_money(meta["budget"], "META budget")
    if not projects:
        raise PabulibError("line ?: the file has no PROJECTS")
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(f"line ?: unknown vote_type {vote_type!r}")
    return Election(meta, projects, votes, meta_order, project_columns, vote_columns, weights, ballots)


_VOTES_LINE = re.compile(r"^[ \t]*votes[ \t;\r]*$", re.MULTILINE | re.IGNORECASE)
_SPLIT_CELLS = methodcaller("split", ";")
_SPLIT_ITEMS = methodcaller("split", ",")
_COUNT_CELLS = methodcaller("count", ";")
_COUNT_ITEMS = methodcaller("count", ",")
BULK_ROWS = 1 << 17


def _rows(data: str, bulk: list | None = None):
    """(line number, cells) of every row: by the csv module where quoting may occur, else by splitting on `;`.

    Quotes in project names are common, in the VOTES section rare: when the last VOTES line
    is outside any quoted field (an even number of quote marks before it) and nothing after
    it needs the csv module, only the part before it is read with the csv module.
    With `bulk` and one plain VOTES section, the rows after its header are merged in bulk
    (`_merged_votes`, appended to `bulk`) instead of being yielded, unless a bulk check fails.
    """
    sections = list(_VOTES_LINE.finditer(data))
    head, tail = (data[: sections[-1].start()], data[sections[-1].start() :]) if sections else (data, "")
    if _NOT_PLAIN.search(tail) or (_NOT_PLAIN.search(head) and (not tail or head.count('"') % 2)):
        head, tail = data, ""
    if _NOT_PLAIN.search(head):
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=";", quotechar='"')
        for row in reader:
            yield reader.line_num, row
        line = reader.line_num
    else:
        head_lines = head.splitlines()
        yield from enumerate(map(_SPLIT_CELLS, head_lines), start=1)
        line = len(head_lines)
    lines = tail.splitlines()
    if bulk is not None and len(sections) == 1 and len(lines) > 2 and lines[1].replace(";", "").strip():
        yield line + 1, lines[0].split(";")
        yield line + 2, lines[1].split(";")
        merged = _merged_votes(lines[2:], line + 3, [cell.strip() for cell in lines[1].split(";")])
        if merged is not None:
            bulk.append(merged)
            return
        yield from enumerate(map(_SPLIT_CELLS, lines[2:]), start=line + 3)
        return
    yield from enumerate(map(_SPLIT_CELLS, lines), start=line + 1)


def _merged_votes(lines: list[str], first_line: int, header: list[str]) -> tuple[list, ...] | None:
    """What `_merge` makes of these VOTES rows, counted in bulk, as columns: vote cells, points
    cells, voters per ballot, first line and first voter of each; None if any row needs the
    row-by-row checks.

    Bulk means every row as wide as the header, voter ids present and distinct, and no row
    that could be a section name; the checks of each distinct ballot follow in `_distinct_votes`.
    """
    width = len(header)
    voter, vote = header.index("voter_id"), header.index("vote")
    points = header.index("points") if "points" in header else None
    vote_cells: list[str] = []
    point_cells: list[str] | None = None if points is None else []
    voter_ids: list[str] = []
    for start in range(0, len(lines), BULK_ROWS):
        chunk = lines[start : start + BULK_ROWS]
        if set(map(_COUNT_CELLS, chunk)) != {width - 1}:
            return None
        text = ";".join(chunk)
        cells = text.split(";")
        # A cell that lowers to a section name leaves its letters in the lowered text: only then look cell by cell.
        lowered = text.lower()
        named = any(section in lowered for section in SECTIONS)
        if named and not set(SECTIONS).isdisjoint(map(str.lower, set(map(str.strip, cells[0::width])))):
            return None
        voter_ids += map(str.strip, cells[voter::width])
        vote_cells += cells[vote::width]
        if point_cells is not None:
            point_cells += cells[points::width]
    distinct = set(voter_ids)
    if len(distinct) < len(voter_ids) or "" in distinct:
        return None
    return votes_in_bulk.merge_rows(lambda rows: list(map(voter_ids.__getitem__, rows)), vote_cells, point_cells, first_line)


def _distinct_votes(
    vote_cells: list[str], point_cells: list[str], first_lines: list[int], voter_ids: list[str], projects: dict[str, dict[str, str]],
) -> Ballots | list[Vote]:
    """The merged ballots, checked in bulk when every cell is plain (ids without spaces, whole
    points) and kept as columns; else one by one by `_vote`, whose errors name the ballot's first line."""
    items = ",".join(vote_cells).split(",") if vote_cells else []
    plain = projects.keys() >= set(items)
    points: list[int] | None = None
    if plain and any(point_cells):
        text = ",".join(point_cells)
        plain = text.isascii() and text.replace(",", "").isdigit() and max(map(len, text.split(","))) <= NUMBER_DIGITS
        try:
            points = list(map(int, text.split(","))) if plain else None
        except ValueError:  # an empty item
            plain = False
        plain = plain and list(map(_COUNT_ITEMS, point_cells)) == list(map(_COUNT_ITEMS, vote_cells))
    if plain:
        lengths = [count + 1 for count in map(_COUNT_ITEMS, vote_cells)]
        return Ballots(voter_ids, vote_cells, items, lengths, points)
    return [
        _vote({"voter_id": voter_id, "vote": vote, "points": points}, line, projects, set(), extra=False)
        for vote, points, line, voter_id in zip(vote_cells, point_cells, first_lines, voter_ids)
    ]


def _merge(row: list[str], line: int, voter_column: int, vote_column: int, points_column: int | None, seen: set[str], merged: dict) -> None:
    """Count one vote row into `merged` (by its vote and points cells); the checks of `_vote` run once per distinct ballot."""
    width = len(row)
    voter_id = row[voter_column].strip() if voter_column < width else ""
    if not voter_id or voter_id in seen:
        raise PabulibError(f"line {line}: voter {voter_id!r} appears twice" if voter_id else f"line {line}: a vote without voter_id")
    seen.add(voter_id)
    key = (row[vote_column] if vote_column < width else "", row[points_column] if points_column is not None and points_column < width else "")
    entry = merged.get(key)
    if entry is None:
        merged[key] = [1, line, voter_id]
    else:
        entry[0] += 1


def _vote(cells: dict[str, str], line: int, projects: dict[str, dict[str, str]], seen: set[str], extra: bool = True) -> Vote:
    voter_id = cells.get("voter_id", "")
    if not voter_id:
        raise PabulibError(f"line {line}: a vote without voter_id")
    if voter_id in seen:
        raise PabulibError(f"line {line}: voter {voter_id!r} appears twice")
    seen.add(voter_id)
    chosen = tuple(item for item in map(str.strip, cells.get("vote", "").split(",")) if item)
    if not projects.keys() >= set(chosen):
        unknown = next(project for project in chosen if project not in projects)
        raise PabulibError(f"line {line}: voter {voter_id} votes for unknown project {unknown!r}")
    points = None
    if cells.get("points", "").strip():
        try:
            points = tuple(map(_points, (item for item in map(str.strip, cells["points"].split(",")) if item)))
        except (ValueError, ZeroDivisionError):
            raise PabulibError(f"line {line}: points of voter {voter_id} are not numbers") from None
        if len(points) != len(chosen):
            raise PabulibError(f"line {line}: voter {voter_id} has {len(chosen)} projects but {len(points)} points")
    if not extra:
        return Vote(voter_id, chosen, points)
    return Vote(voter_id, chosen, points, {key: value for key, value in cells.items() if key not in ("voter_id", "vote", "points")})


def _points(item: str) -> int:
    """A vote's points, `3` or `3.0`; whole digits take the quick way."""
    if item.isascii() and item.isdigit() and len(item) <= NUMBER_DIGITS:
        return int(item)
    if not NUMBER.fullmatch(item):
        raise ValueError("not a number")
    return int(Fraction(item))


def write(election: Election) -> str:
    """The election as a Pabulib file (LF line ends, `;`, CSV quoting where needed)."""
    if election.weights is not None:
        raise ValueError("a merged election (read with merge=True) has lost its voters: write the one read without merging")
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
