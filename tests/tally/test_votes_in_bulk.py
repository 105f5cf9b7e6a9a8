"""The counting read over the file's bytes (`votes_in_bulk`): whatever a VOTES section holds, the same election or
the same error (with its line) as the row-by-row reader, which reads text, gives; plain files take it."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from vallokal.election.tally import compiled_kernel, pabulib, profile as profiles, votes_in_bulk

HEAD = "META\nkey;value\nbudget;1000\nvote_type;{vote_type}\nPROJECTS\nproject_id;cost;name\n1;400;Park\n2;300;\"A \"\"B\"\"\"\n10;300;ó\n7;100;Sju\n07;200;Noll sju\n"
VOTERS = ["1", "2", "3", "17", "0", "01", "v1", "v2", " 3", "4 ", "", "a b", "VOTES", "Meta", "9" * 18, "1" * 20, "ü1", "\xa05", "6\x1f"]
VOTES = ["1", "2", "10", "1,2", "2,1", "2,10", "7", "07", " 1", "", "99", "1,,2"]
POINTS = ["3", "3,2", "2,3", "x", "", "1.0"]
EXTRA = ["", "abc", "Psie Pole", "ó", "votes"]


def outcome(data: bytes | str) -> tuple:
    try:
        election = pabulib.read(data, merge=True)
    except pabulib.PabulibError as error:
        return ("error", str(error))
    return (election.meta, election.projects, election.vote_columns, election.votes, election.weights)


@st.composite
def sections(draw) -> str:
    points = draw(st.booleans())
    columns = ["voter_id", "vote"] + (["points"] if points else []) + (["district"] if draw(st.booleans()) else [])
    if draw(st.booleans()):
        columns[0], columns[1] = columns[1], columns[0]
    common = st.sampled_from(VOTERS[:4])
    rows = []
    for number in range(draw(st.integers(1, 12))):
        cells = {
            "voter_id": str(number + 1) if draw(st.integers(0, 3)) else draw(st.one_of(st.just(f"v{number}"), st.sampled_from(VOTERS), common)),
            "vote": draw(st.sampled_from(VOTES[:8]) if draw(st.integers(0, 4)) else st.sampled_from(VOTES)),
            "points": draw(st.sampled_from(POINTS)),
            "district": draw(st.sampled_from(EXTRA)),
        }
        row = [cells[column] for column in columns]
        if not draw(st.integers(0, 12)):
            row = row[: draw(st.integers(0, len(row)))] if draw(st.booleans()) else [*row, "more"]
        rows.append(";".join(row))
    line_end = draw(st.sampled_from(["\n", "\r\n"]))
    text = HEAD.format(vote_type="cumulative" if points else "approval") + f"VOTES{line_end}" + ";".join(columns) + line_end + line_end.join(rows)
    ending = draw(st.sampled_from([line_end, "", line_end * 2, "\r", f"{line_end}META{line_end}key;value{line_end}extra;1{line_end}"]))
    if not draw(st.integers(0, 8)):
        text = text.replace(line_end, "\r", 1) if draw(st.booleans()) else text + '"'
    return text + ending


@pytest.fixture(scope="module")
def built_kernel():
    module = compiled_kernel.built()
    assert module is not None, "this machine has a C compiler and Numba's pycc: the kernel must build"
    return module


def parsed_by(parser: str, built_kernel):
    """The bytes read with its numbers parsed by the built module (where a machine has it) or by numpy (where not)."""
    return mock.patch.object(compiled_kernel, "ready", lambda: built_kernel if parser == "compiled" else None)


@pytest.mark.parametrize("parser", ["compiled", "numpy"])
@settings(max_examples=400, deadline=None)
@given(text=sections())
def test_the_bytes_read_gives_what_the_row_by_row_read_gives(text, parser, built_kernel):
    with parsed_by(parser, built_kernel):
        assert outcome(text.encode()) == outcome(text)


CELL_BYTES = st.sampled_from([b"0", b"1", b"7", b"9", b"12", b"007", b"9" * 18, b"9" * 19, b",", b",,", b" ", b"a", b"\xff", b"\xc3\xb3", b"-1", b"+2"])


@settings(max_examples=500, deadline=None)
@given(cells=st.lists(st.lists(CELL_BYTES, max_size=6).map(b"".join), min_size=1, max_size=8))
def test_the_compiled_parse_of_numbers_is_numpys(cells, built_kernel):
    """Cells of digits, commas, leading zeros, 18 and 19 digits, signs, spaces and non-ASCII bytes: the same numbers or the same refusal."""
    tail = np.frombuffer(b";".join(cells) + b"\n", dtype=np.uint8)
    ends = np.cumsum([len(cell) + 1 for cell in cells]) - 1
    starts = ends - [len(cell) for cell in cells]
    with parsed_by("numpy", built_kernel):
        by_numpy = votes_in_bulk._items(tail, starts, ends), votes_in_bulk._whole_numbers(tail, starts, ends)
    with parsed_by("compiled", built_kernel):
        compiled = votes_in_bulk._items(tail, starts, ends), votes_in_bulk._whole_numbers(tail, starts, ends)
    items, numbers = by_numpy
    assert (compiled[0] is None) == (items is None)
    if items is not None:
        np.testing.assert_array_equal(compiled[0][0], items[0])
        np.testing.assert_array_equal(compiled[0][1], items[1])
    assert (compiled[1] is None) == (numbers is None)
    if numbers is not None:
        np.testing.assert_array_equal(compiled[1], numbers)


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
@pytest.mark.parametrize("final", [True, False])
@pytest.mark.parametrize("vote_type", ["approval", "choose-1", "cumulative"])
def test_plain_files_take_the_bytes_read(line_end, final, vote_type):
    points = vote_type == "cumulative"
    header = "voter_id;vote" + (";points" if points else "") + ";age"
    rows = [f"{number * 3 + 1};{'1' if vote_type == 'choose-1' else ['1,2', '10', '2,1'][number % 3]}" + (";2,1" if points and number % 3 != 1 else ";3" if points else "") + f";{20 + number}" for number in range(40)]
    text = HEAD.format(vote_type=vote_type).replace("\n", line_end) + f"VOTES{line_end}{header}{line_end}" + line_end.join(rows) + (line_end if final else "")
    section = votes_in_bulk.votes_section(text.encode())
    assert section is not None and section.first_line == 14
    assert votes_in_bulk.merged(section) is not None
    assert outcome(text.encode()) == outcome(text)
    election = pabulib.read(text.encode(), merge=True)
    assert sum(election.weights) == 40 and election.votes[0].voter_id == "1"
    by_text = pabulib.read(text, merge=True)
    assert profiles.scores(election) == profiles.scores(by_text)
    one, other = profiles.from_pabulib(election), profiles.from_pabulib(by_text)
    assert (one.approvals == other.approvals).all() and (one.weights == other.weights).all()


@pytest.mark.parametrize("parser", ["compiled", "numpy"])
@pytest.mark.parametrize("points", [False, True])
@pytest.mark.parametrize("collide", [False, True])
def test_votes_of_several_numbered_projects_are_merged_by_number_and_checked_whole(collide, points, parser, built_kernel, monkeypatch):
    """Merged by a mix of their numbers, every ballot compared whole with the first of its kind: with every
    mix made to collide, the bytes read gives up and the row-by-row read gives the same election."""
    monkeypatch.setattr(compiled_kernel, "ready", lambda: built_kernel if parser == "compiled" else None)
    if collide:
        monkeypatch.setattr(votes_in_bulk, "MIX", tuple(np.uint64(0) for _ in range(3)))
    rows = [f"{number + 1};{['1,2', '2,1', '10,2,1', '7', '1,2,7'][number % 5]}" + (f";{['3,2', '3,2', '1,1,1', '5', '2,3,1'][number % 5]}" if points else "") for number in range(50)]
    header = "voter_id;vote;points" if points else "voter_id;vote"
    text = HEAD.format(vote_type="cumulative" if points else "approval") + f"VOTES\n{header}\n" + "\n".join(rows) + "\n"
    election = pabulib.read(text.encode(), merge=True)
    assert isinstance(election.ballots, pabulib.NumberedBallots) != collide
    assert election.weights == [10] * 5
    assert outcome(text.encode()) == outcome(text)
    assert profiles.scores(election) == profiles.scores(pabulib.read(text))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("4;2", "line 17: voter '4' appears twice"),
        ("8;99", "line 17: voter 8 votes for unknown project '99'"),
        (";2", "line 17: a vote without voter_id"),
        ("8;2;3", "line 17: more cells than the header has columns"),
        ("08;2", None),
        ("4 ;2", "line 17: voter '4' appears twice"),
    ],
)
def test_a_bad_row_after_plain_rows_is_named_by_its_line_as_before(row, message):
    text = HEAD.format(vote_type="approval") + "VOTES\nvoter_id;vote\n1;1\n4;2\n7;10\n" + row + "\n9;1\n"
    assert outcome(text.encode()) == outcome(text)
    if message:
        with pytest.raises(pabulib.PabulibError, match=message):
            pabulib.read(text.encode(), merge=True)
    else:
        assert sum(pabulib.read(text.encode(), merge=True).weights) == 5


def test_projects_whose_ids_are_the_same_number_written_differently_stay_two_ballots():
    text = HEAD.format(vote_type="choose-1") + "VOTES\nvoter_id;vote\n1;7\n2;07\n3;7\n"
    election = pabulib.read(text.encode(), merge=True)
    assert [(vote.projects, weight) for vote, weight in zip(election.votes, election.weights)] == [(("7",), 2), (("07",), 1)]
    assert outcome(text.encode()) == outcome(text)


def test_a_file_that_is_not_utf8_after_its_votes_line_is_refused_as_before():
    text = (HEAD.format(vote_type="approval") + "VOTES\nvoter_id;vote;district\n1;1;x\n2;2;y\n").encode()
    broken = text.replace(b"y\n", b"\xff\n")
    with pytest.raises(pabulib.PabulibError, match="not UTF-8"):
        pabulib.read(broken, merge=True)


@pytest.mark.parametrize("ids", [("3", "12", "40"), ("3", "1048576", "999999999999")], ids=["small numbers", "large numbers"])
@pytest.mark.parametrize("unknown", [False, True])
def test_numbered_votes_find_their_projects_by_table_or_by_search(ids, unknown):
    """Projects numbered below 2^20 are looked up in a table, larger ones searched: the same election, or the same error."""
    projects = "".join(f"{project_id};100\n" for project_id in ids)
    votes = [f"{ids[0]},{ids[1]}", f"{ids[2]}", f"{ids[1]},{ids[0]},{ids[2]}", f"{ids[0]},{ids[1]}"] + (["5,3"] if unknown else [])
    text = f"META\nkey;value\nbudget;250\nvote_type;approval\nPROJECTS\nproject_id;cost\n{projects}VOTES\nvoter_id;vote\n"
    text += "".join(f"{voter + 1};{vote}\n" for voter, vote in enumerate(votes))
    assert outcome(text.encode()) == outcome(text)
    if unknown:
        assert outcome(text.encode())[0] == "error"
    else:
        election = pabulib.read(text.encode(), merge=True)
        assert isinstance(election.ballots, pabulib.NumberedBallots) and election.weights == [2, 1, 1]


@settings(max_examples=300, deadline=None)
@given(
    ballots=st.lists(st.sampled_from([(1,), (2,), (1, 2), (2, 1), (1, 2, 10), (10, 2, 1), (7,), (0, 7)]), min_size=1, max_size=30),
    points=st.one_of(st.none(), st.lists(st.integers(1, 3), min_size=30, max_size=30)),
    collide=st.booleans(),
)
def test_the_compiled_merge_of_numbered_votes_is_numpys(ballots, points, collide, built_kernel):
    """Ballots merged by their numbers in order (and points): the same first ballots, weights and numbers, or with every
    key colliding the same refusal."""
    numbers = np.array([number for ballot in ballots for number in ballot], dtype=np.int64)
    lengths = np.array([len(ballot) for ballot in ballots], dtype=np.int64)
    given = None if points is None else np.array((points * 4)[: len(numbers)], dtype=np.int64)
    mix = tuple(np.uint64(0) for _ in range(3)) if collide else votes_in_bulk.MIX
    with mock.patch.object(votes_in_bulk, "MIX", mix):
        by_numpy = votes_in_bulk._merged_in_numpy(numbers, lengths, given)
        compiled = votes_in_bulk._merged_compiled(built_kernel, numbers, lengths, given)
    assert (compiled is None) == (by_numpy is None)
    if by_numpy is not None:
        for mine, theirs in zip(compiled, by_numpy):
            assert (mine is None) == (theirs is None)
            if theirs is not None:
                np.testing.assert_array_equal(mine, theirs)
