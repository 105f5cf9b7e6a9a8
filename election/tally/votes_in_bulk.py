"""A plain VOTES section merged over the file's bytes in numpy: the counting read of a large file.

`pabulib._merged_votes` splits every cell of every row into a string; a count needs only
two or three columns. Here rows and cells are found as positions of line ends and `;`,
only the vote and points columns become strings, and voter ids written as whole numbers
are checked as numbers (only the first voter of each distinct ballot becomes a string).
The same checks decide as there (every row as wide as the header, voter ids present and
distinct, no row that could be a section name) and the result is the same; a file this
cannot take whole (quotes or odd line breaks after VOTES, a CR not before a line feed,
several VOTES lines, a voter id with spaces) gets None, and the reader takes its
ordinary way, whose errors name the line.
"""

from __future__ import annotations

import re
from collections import Counter
from operator import methodcaller
from typing import NamedTuple

import numpy as np

from . import compiled_kernel

# The characters `pabulib._NOT_PLAIN` sends to the csv module, and a long s, which a
# case-insensitive match would read as the s of VOTES.
_NOT_PLAIN = '"\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u017f'
_VOTES_LINE = re.compile(rb"[ \t]*votes[ \t;\r]*")
# More lines than this that mention votes, and the ordinary way finds the section.
MENTIONS_UP_TO = 1000
SECTIONS = ("meta", "projects", "votes")
# Whole numbers of up to this many digits (ids compared as int64, points and money as Pabulib writes them).
NUMBER_DIGITS = 18
# Votes of one project numbered below this are counted by number (`np.bincount`).
COUNTED_BY_NUMBER_UP_TO = 1 << 20


class Section(NamedTuple):
    """The one VOTES section: the file up to its header row, that row's cells, the rows after it
    (each ended by a line break), and the number of the first of them."""

    before_rows: bytes
    header: list[str]
    rows: bytes
    first_line: int


def votes_section(data: bytes) -> Section | None:
    """The VOTES section of a file whose rows after the VOTES line are plain, else None."""
    lowered = data.lower()
    found: list[tuple[int, int]] = []
    mentions = 0
    place = lowered.find(b"votes")
    while place >= 0:
        start = lowered.rfind(b"\n", 0, place) + 1
        end = lowered.find(b"\n", place)
        end = len(lowered) if end < 0 else end
        if _VOTES_LINE.fullmatch(lowered, start, end):
            found.append((start, end))
        mentions += 1
        if len(found) > 1 or mentions > MENTIONS_UP_TO:
            return None
        place = lowered.find(b"votes", end)
    if len(found) != 1:
        return None
    start, end = found[0]
    head, tail = data[:start], data[end + 1 :]
    try:
        text = tail.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if head.count(b'"') % 2 or any(character in text for character in _NOT_PLAIN):
        return None
    header_end = tail.find(b"\n")
    if header_end < 0:
        return None
    header = [cell.strip() for cell in tail[:header_end].decode("utf-8", "replace").split(";")]
    rows = tail[header_end + 1 :]
    if "voter_id" not in header or "vote" not in header or not rows.strip(b"\r\n"):
        return None
    before_rows = data[: end + 1 + header_end]
    lines_before = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n")
    line_end = b"\r\n" if tail[:header_end].endswith(b"\r") else b"\n"
    return Section(before_rows, header, rows if rows.endswith(b"\n") else rows + line_end, lines_before + 3)


def merged(section: Section) -> Counted | tuple[list, ...] | None:
    """The rows merged by number (`Counted`) or as `merge_rows` merges them; None where the ordinary checks must look row by row."""
    header = section.header
    width = len(header)
    tail = np.frombuffer(section.rows, dtype=np.uint8)
    line_feeds = np.flatnonzero(tail == 10)
    line_ends = line_feeds
    semicolons = np.flatnonzero(tail == 59)
    rows = len(line_feeds)
    carriage_returns = section.rows.count(b"\r")
    if carriage_returns:
        if carriage_returns != rows or np.any(tail[line_feeds - 1] != 13):
            return None
        line_ends = line_feeds - 1
    if len(semicolons) != rows * (width - 1):
        return None
    cuts = semicolons.reshape(rows, width - 1)
    if np.any(cuts[:, -1] >= line_ends) or np.any(cuts[1:, 0] <= line_ends[:-1]):
        return None
    line_starts = np.concatenate(([0], line_feeds[:-1] + 1))

    def bounds(index: int) -> tuple[np.ndarray, np.ndarray]:
        return line_starts if index == 0 else cuts[:, index - 1] + 1, line_ends if index == width - 1 else cuts[:, index]

    voter_column, vote_column = header.index("voter_id"), header.index("vote")
    starts, ends = bounds(voter_column)
    numbers = _whole_numbers(tail, starts, ends)
    if numbers is not None:
        if not (np.all(numbers[1:] > numbers[:-1]) or len(np.unique(numbers)) == rows):
            return None
        if voter_column != 0 and not _no_section_names(_cells(tail, *bounds(0))):
            return None
    else:
        first_cells = _cells(tail, *bounds(0))
        voter_cells = first_cells if voter_column == 0 else _cells(tail, starts, ends)
        if not _no_section_names(first_cells) or "\n".join(voter_cells).split() != voter_cells or len(set(voter_cells)) < rows:
            return None

    def voters_of(chosen: list[int]) -> list[str]:
        return _cells(tail, starts[chosen], ends[chosen]) if chosen else []

    vote_starts, vote_ends = bounds(vote_column)
    point_bounds = bounds(header.index("points")) if "points" in header else None
    projects = None if point_bounds is not None else _whole_numbers(tail, vote_starts, vote_ends)
    if projects is None or projects.max() >= COUNTED_BY_NUMBER_UP_TO:
        counted = _counted(tail, (vote_starts, vote_ends), point_bounds, voters_of, section.first_line)
        if counted is not None:
            return counted
        point_cells = None if point_bounds is None else _cells(tail, *point_bounds)
        return merge_rows(voters_of, _cells(tail, vote_starts, vote_ends), point_cells, section.first_line)
    # One project per vote, a number (choose-1 and many approval files): counted without a string per row.
    counts = np.bincount(projects)
    first = np.full(len(counts), rows)
    np.minimum.at(first, projects, np.arange(rows))
    present = np.flatnonzero(counts)
    order = np.argsort(first[present])
    first_rows, voters = first[present][order], counts[present][order]
    return (
        _cells(tail, vote_starts[first_rows], vote_ends[first_rows]), [""] * len(first_rows), voters.tolist(),
        (first_rows + section.first_line).tolist(), voters_of(first_rows.tolist()),
    )


class Counted:
    """Votes whose cells are lists of whole numbers (projects, and points if any), merged by number:
    two cells are the same text exactly when they list the same numbers in the same order. The distinct
    ballots in order of first appearance: how many voters cast each, its first line, its numbers
    (`lengths` per ballot) and its text, made only when asked."""

    def __init__(self, tail, vote_bounds, point_bounds, voters_of, first_rows, weights, lengths, numbers, points, first_line) -> None:
        self.tail, self.vote_bounds, self.point_bounds, self.voters_of = tail, vote_bounds, point_bounds, voters_of
        self.first_rows, self.weights, self.lengths, self.numbers, self.points = first_rows, weights, lengths, numbers, points
        self.first_line = first_line

    def cells(self, bounds) -> list[str]:
        starts, ends = bounds
        return _cells(self.tail, starts[self.first_rows], ends[self.first_rows])

    def as_cells(self) -> tuple[list, ...]:
        """The `merge_rows` form, for the checks that name a line."""
        vote_cells = self.cells(self.vote_bounds)
        point_cells = self.cells(self.point_bounds) if self.point_bounds is not None else [""] * len(vote_cells)
        rows = self.first_rows.tolist()
        return vote_cells, point_cells, self.weights.tolist(), [self.first_line + row for row in rows], self.voters_of(rows)

    def columns(self, project_ids: list[str]) -> np.ndarray | None:
        """Each number's place among the sorted project ids, or None if one names no project."""
        numbered = {int(project_id): place for place, project_id in enumerate(project_ids) if project_id.isascii() and project_id.isdigit()
                    and len(project_id) <= NUMBER_DIGITS and str(int(project_id)) == project_id}
        if not numbered or not len(self.numbers):
            return None
        known = np.fromiter(numbered, dtype=np.int64, count=len(numbered))
        places = np.fromiter(numbered.values(), dtype=np.int64, count=len(numbered))
        if known.max() < COUNTED_BY_NUMBER_UP_TO and self.numbers.max() < COUNTED_BY_NUMBER_UP_TO:
            # Small numbers (nearly every file) are looked up in a table: a fifth of the read at a million votes.
            table = np.full(max(known.max(), self.numbers.max()) + 1, -1, dtype=np.int64)
            table[known] = places
            found = table[self.numbers]
            return None if np.any(found < 0) else found
        order = np.argsort(known)
        known, places = known[order], places[order]
        found = np.minimum(np.searchsorted(known, self.numbers), len(known) - 1)
        if np.any(known[found] != self.numbers):
            return None
        return places[found]


# Odd 64-bit constants for mixing numbers into one key (those of splitmix64); `profile` mixes its rows with them too.
MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _items(tail: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Each cell's comma-separated items as whole numbers, all in one array, and how many each cell has; None if any is not one."""
    compiled = compiled_kernel.ready()
    if compiled is None:
        return _items_in_numpy(tail, starts, ends)
    numbers, lengths, whole = compiled.whole_number_items(tail, np.ascontiguousarray(starts), np.ascontiguousarray(ends), ord(","), NUMBER_DIGITS)
    return (numbers, lengths) if whole else None


def _items_in_numpy(tail: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """`_items` without the compiled module: where the commas fall, then the items' digits column by column."""
    commas = np.flatnonzero(tail == ord(","))
    row = np.searchsorted(starts, commas, side="right") - 1
    inside = (row >= 0) & (commas < ends[np.maximum(row, 0)])
    commas, row = commas[inside], row[inside]
    lengths = np.bincount(row, minlength=len(starts)) + 1
    offsets = np.cumsum(lengths) - lengths
    item_starts = np.empty(int(lengths.sum()), dtype=np.int64)
    item_ends = np.empty_like(item_starts)
    item_starts[offsets] = starts
    item_ends[offsets + lengths - 1] = ends
    commas_before = np.cumsum(lengths - 1) - (lengths - 1)
    place = offsets[row] + np.arange(len(commas)) - commas_before[row]
    item_ends[place] = commas
    item_starts[place + 1] = commas + 1
    numbers = _whole_numbers_in_numpy(tail, item_starts, item_ends)
    return None if numbers is None else (numbers, lengths)


def _counted(tail: np.ndarray, vote_bounds, point_bounds, voters_of, first_line: int) -> Counted | None:
    """The votes merged by number (`Counted`); None if a cell is not a list of whole numbers, or points and projects differ in number."""
    votes = _items(tail, *vote_bounds)
    if votes is None:
        return None
    numbers, lengths = votes
    points = None
    if point_bounds is not None:
        given = _items(tail, *point_bounds)
        if given is None or not np.array_equal(given[1], lengths):
            return None
        points = given[0]
    compiled = compiled_kernel.ready()
    merged = _merged_in_numpy(numbers, lengths, points) if compiled is None else _merged_compiled(compiled, numbers, lengths, points)
    return None if merged is None else Counted(tail, vote_bounds, point_bounds, voters_of, *merged, first_line)


def _merged_compiled(compiled, numbers: np.ndarray, lengths: np.ndarray, points: np.ndarray | None) -> tuple | None:
    """`_merged_in_numpy` by the built module (`reading_kernel`): the same keys mixed in one pass, grouped after one sort."""
    with_points = points is not None
    # The built functions trust their arguments' layout (they check no dtype nor stride): give them exactly it.
    numbers, lengths = np.ascontiguousarray(numbers, dtype=np.int64), np.ascontiguousarray(lengths, dtype=np.int64)
    given = np.ascontiguousarray(points, dtype=np.int64) if with_points else np.zeros(0, dtype=np.int64)
    keys = compiled.ballot_keys(numbers, lengths, given, with_points, np.array(MIX, dtype=np.uint64))
    first_rows, weights, kept, kept_numbers, kept_points, whole = compiled.merged_by_key(
        keys, np.argsort(keys, kind="stable"), numbers, lengths, given, with_points,
    )
    return (first_rows, weights, kept, kept_numbers, kept_points if with_points else None) if whole else None


def _merged_in_numpy(numbers: np.ndarray, lengths: np.ndarray, points: np.ndarray | None) -> tuple | None:
    """The ballots (`lengths` numbers each) merged by a mix of their numbers, each checked whole against the first
    of its kind: those first ballots, their weights, lengths, numbers and points; None if two of a kind differ."""
    offsets = np.cumsum(lengths) - lengths
    place = np.arange(len(numbers)) - np.repeat(offsets, lengths)
    mixed = (numbers.astype(np.uint64) + np.uint64(1)) * MIX[0] + place.astype(np.uint64) * MIX[1]
    if points is not None:
        mixed = mixed ^ (points.astype(np.uint64) * MIX[2])
    mixed = (mixed ^ (mixed >> np.uint64(31))) * MIX[1]
    key = np.add.reduceat(mixed, offsets) ^ (lengths.astype(np.uint64) * MIX[2])
    _, first, inverse, weights = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    representative = first[inverse]
    if not np.array_equal(lengths[representative], lengths):
        return None
    same_place = np.repeat(offsets[representative], lengths) + place
    if not np.array_equal(numbers[same_place], numbers):
        return None
    if points is not None and not np.array_equal(points[same_place], points):
        return None
    by_first = np.argsort(first)
    first_rows = first[by_first]
    kept = lengths[first_rows]
    items = np.repeat(offsets[first_rows] - (np.cumsum(kept) - kept), kept) + np.arange(int(kept.sum()))
    return first_rows, weights[by_first], kept, numbers[items], None if points is None else points[items]


def merge_rows(voters_of, vote_cells: list[str], point_cells: list[str] | None, first_line: int) -> tuple[list, ...]:
    """Rows (of distinct voters) merged by their vote and points cells: per distinct ballot in order of first
    appearance, its vote cell, points cell, voters, first line and first voter (`voters_of` those rows)."""
    keys = vote_cells if point_cells is None else list(map("\n".join, zip(vote_cells, point_cells)))
    # Each distinct key keeps its first row; counting rows by their key's first row counts the key, in the same order.
    first: dict[str, int] = {}
    counts = Counter(map(first.setdefault, keys, range(len(keys))))
    rows = list(first.values())
    vote_cells, point_cells = (list(first), [""] * len(first)) if point_cells is None else (
        list(map(list, zip(*map(methodcaller("split", "\n"), first)))) or [[], []]
    )
    return vote_cells, point_cells, list(counts.values()), [first_line + row for row in rows], voters_of(rows)


def _no_section_names(cells: list[str]) -> bool:
    """No cell could name a section (a looser test than the row parser's, which only sends more files its way)."""
    lowered = "\n".join(cells).lower()
    return not any(name in lowered for name in SECTIONS)


def _whole_numbers(tail: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """The cells as numbers if every one is written as a whole number (digits, no leading zero), else None:
    two such cells are the same text exactly when they are the same number, which numpy compares quickly."""
    compiled = compiled_kernel.ready()
    if compiled is None:
        return _whole_numbers_in_numpy(tail, starts, ends)
    numbers, _, whole = compiled.whole_number_items(tail, np.ascontiguousarray(starts), np.ascontiguousarray(ends), -1, NUMBER_DIGITS)
    return numbers if whole else None


def _whole_numbers_in_numpy(tail: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """`_whole_numbers` without the compiled module, digit by digit over every cell at once."""
    lengths = ends - starts
    if lengths.min() < 1 or lengths.max() > NUMBER_DIGITS or np.any((tail[starts] == ord("0")) & (lengths > 1)):
        return None
    numbers = np.zeros(len(starts), dtype=np.int64)
    for place in range(int(lengths.max())):
        inside = lengths > place
        digit = tail[np.where(inside, starts + place, 0)] - np.uint8(ord("0"))
        if np.any(inside & (digit > 9)):
            return None
        numbers = np.where(inside, numbers * 10 + digit, numbers)
    return numbers


def _cells(tail: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """The cells from each start to its end as strings: their bytes gathered, each with its own
    delimiter turned into a line end, decoded and split at once."""
    lengths = ends - starts + 1
    offsets = np.cumsum(lengths)
    gathered = np.arange(offsets[-1]) + np.repeat(starts - (offsets - lengths), lengths)
    joined = tail[gathered]
    joined[offsets - 1] = 10
    return joined.tobytes().decode("utf-8").split("\n")[:-1]
