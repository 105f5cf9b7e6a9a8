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

# The characters `pabulib._NOT_PLAIN` sends to the csv module, and a long s, which a
# case-insensitive match would read as the s of VOTES.
_NOT_PLAIN = '"\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u017f'
_VOTES_LINE = re.compile(rb"[ \t]*votes[ \t;\r]*")
# More lines than this that mention votes, and the ordinary way finds the section.
MENTIONS_UP_TO = 1000
SECTIONS = ("meta", "projects", "votes")
# Voter ids of up to this many digits are compared as numbers (int64).
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


def merged(section: Section) -> tuple[list, ...] | None:
    """The rows merged as `merge_rows` merges them; None where the ordinary checks must look row by row."""
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
    if "points" in header:
        return merge_rows(voters_of, _cells(tail, vote_starts, vote_ends), _cells(tail, *bounds(header.index("points"))), section.first_line)
    projects = _whole_numbers(tail, vote_starts, vote_ends)
    if projects is None or projects.max() >= COUNTED_BY_NUMBER_UP_TO:
        return merge_rows(voters_of, _cells(tail, vote_starts, vote_ends), None, section.first_line)
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
