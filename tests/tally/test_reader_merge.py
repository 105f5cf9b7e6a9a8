"""The counting form of the Pabulib reader: identical votes merged with weights, and the quick path for files without quotes."""

from __future__ import annotations

import pytest
from elections import FILES, needs_files
from vallokal.election.tally import methods, pabulib, profile as profiles

PLAIN = (
    "META\nkey;value\nbudget;1000\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;400\n2;300\n10;300\n"
    "VOTES\nvoter_id;vote;points;age\nv1;1,2;3,2;30\nv2;1,2;3,2;40\nv3;2,1;2,3\nv4;10;5\n\nv5; 1 , 2 ;3.0, 2\n"
)


@pytest.fixture(params=["text", "bytes"])
def encoded(request):
    """The file as text (read row by row) and as bytes, as the tally command and the office read it (`votes_in_bulk`)."""
    return (lambda text: text) if request.param == "text" else (lambda text: text.encode())


def test_identical_votes_become_one_weighted_vote_and_count_the_same():
    merged = pabulib.read(PLAIN, merge=True)
    plain = pabulib.read(PLAIN)
    assert len(plain.votes) == 5
    assert [(vote.projects, vote.points) for vote in merged.votes].count((("1", "2"), (3, 2))) == 2  # "1,2" and " 1 , 2 " are two texts, one ballot
    assert sum(merged.weights) == 5 and merged.votes[0].voter_id == "v1" and merged.weights[0] == 2
    assert profiles.scores(merged) == profiles.scores(plain) == {"1": 12, "2": 8, "10": 5}
    one, other = profiles.from_pabulib(merged), profiles.from_pabulib(plain)
    assert one.voters == other.voters == 5 and len(one.weights) == 2
    for rule in methods.RULES:
        assert methods.winners(merged, rule) == methods.winners(plain, rule), rule


def test_a_file_with_quotes_reads_the_same_cells_as_one_without():
    quoted = PLAIN.replace("budget;1000", 'budget;"1000"').replace("v4;10;5", 'v4;"10";"5"')
    assert quoted != PLAIN
    for merge in (False, True):
        one, other = pabulib.read(PLAIN, merge=merge), pabulib.read(quoted, merge=merge)
        assert (one.meta, one.projects, one.votes, one.weights) == (other.meta, other.projects, other.votes, other.weights)


@pytest.mark.parametrize(
    ("votes", "message"),
    [
        ("v1;1\nv1;2\n", "line 11: voter 'v1' appears twice"),
        ("v1;1\nv2;7\n", "line 11: voter v2 votes for unknown project '7'"),
        ("v1;1\n;2\n", "line 11: a vote without voter_id"),
        ("v1;1\nv2;1,2;3\n", "line 11: more cells"),
    ],
)
def test_merging_keeps_every_check_with_its_line(votes, message, encoded):
    text = "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;10\n2;10\nVOTES\nvoter_id;vote\n" + votes
    for merge in (False, True):
        with pytest.raises(pabulib.PabulibError, match=message):
            pabulib.read(encoded(text), merge=merge)


def test_a_merged_election_is_not_written_back_as_if_it_had_its_voters():
    with pytest.raises(ValueError, match="merged"):
        pabulib.write(pabulib.read(PLAIN, merge=True))


@needs_files
@pytest.mark.parametrize("path", FILES[::3], ids=lambda path: path.stem[:40])
def test_shared_files_count_the_same_merged(path):
    data = path.read_bytes()
    merged, plain = pabulib.read(data, merge=True), pabulib.read(data)
    assert sum(merged.weights) == len(plain.votes)
    for rule in ("greedy", "greedy-per-cost", "mes-cost", "mes-card"):
        assert methods.winners(merged, rule) == methods.winners(plain, rule), rule


def test_quotes_in_the_projects_only_leave_the_votes_to_the_quick_path_with_the_same_cells_and_lines(encoded):
    head = 'META\r\nkey;value\r\nbudget;1000\r\nPROJECTS\r\nproject_id;cost;name\r\n1;400;"Park;\r\nnorth"\r\n2;300;"A ""B"""\r\n'
    votes_only_plain = head + "VOTES\r\nvoter_id;vote\r\nv1;1,2\r\nv2;2\r\n"
    votes_quoted = head + 'VOTES\r\nvoter_id;vote\r\nv1;"1,2"\r\nv2;2\r\n'
    for merge in (False, True):
        one, other = pabulib.read(encoded(votes_only_plain), merge=merge), pabulib.read(encoded(votes_quoted), merge=merge)
        assert one.projects["1"]["name"] == "Park;\r\nnorth" and one.projects["2"]["name"] == 'A "B"'
        assert (one.votes, one.weights) == (other.votes, other.weights)
        for text in (votes_only_plain, votes_quoted):
            with pytest.raises(pabulib.PabulibError, match="line 13: voter 'v1' appears twice"):
                pabulib.read(encoded(text + "v1;2\r\n"), merge=merge)


def _many_votes(rows: int) -> str:
    """A plain cumulative file whose VOTES section the bulk path takes: ballots repeat, some far apart."""
    votes = [f"v{number};{number % 4 + 1},{number % 3 + 8};{number % 2 + 1},{4 - number % 2}" for number in range(rows)]
    projects = "".join(f"{number};{100 * number}\n" for number in range(1, 13))
    return "META\nkey;value\nbudget;2000\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n" + projects + "VOTES\nvoter_id;vote;points\n" + "\n".join(votes) + "\n"


@pytest.mark.parametrize("bulk_rows", [7, 1 << 17])
def test_the_bulk_path_merges_as_the_row_by_row_reader_does(monkeypatch, bulk_rows, encoded):
    monkeypatch.setattr(pabulib, "BULK_ROWS", bulk_rows)
    text = _many_votes(60)
    row_by_row = text.replace("\nv0;", '\n"v0";')  # a quote sends the whole file through the csv module and `_merge`
    one, other = pabulib.read(encoded(text), merge=True), pabulib.read(encoded(row_by_row), merge=True)
    assert (one.votes, one.weights) == (other.votes, other.weights)
    assert len(one.votes) < 60 and sum(one.weights) == 60
    assert profiles.scores(one) == profiles.scores(pabulib.read(text))
    for rule in methods.RULES:
        assert methods.winners(one, rule) == methods.winners(pabulib.read(text), rule), rule


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("v45;", "v3;"), "line 66: voter 'v3' appears twice"),
        (("v50;", " ;"), "line 71: a vote without voter_id"),
        (("v40;1,9;1,4", "v40;1,99;1,4"), "line 61: voter v40 votes for unknown project '99'"),
        (("v40;1,9;1,4", "v40;1,9;1,x"), "line 61: points of voter v40 are not numbers"),
        (("v40;1,9;1,4", "v40;1,9;1"), "line 61: voter v40 has 2 projects but 1 points"),
        (("v40;1,9;1,4", "v40;1,9;1,4;extra"), "line 61: more cells than the header has columns"),
    ],
)
def test_a_bad_row_deep_in_a_bulk_section_is_named_by_its_line(monkeypatch, change, message, encoded):
    monkeypatch.setattr(pabulib, "BULK_ROWS", 16)
    text = _many_votes(60)
    assert change[0] in text
    for merge in (True, False):
        with pytest.raises(pabulib.PabulibError, match=message):
            pabulib.read(encoded(text.replace(change[0], change[1])), merge=merge)


def test_blank_rows_spaces_and_a_section_after_the_votes_leave_the_bulk_path_with_the_same_result(encoded):
    text = _many_votes(30)
    for changed in (text.replace("\nv9;", "\n\n;\nv9;"), text.replace("v12;", " v12 ;"), text.replace("\nv20;1,10;1,4", "\nv20; 1 ,10;1, 4")):
        assert changed != text
        one = pabulib.read(encoded(changed), merge=True)
        assert sum(one.weights) == 30 and profiles.scores(one) == profiles.scores(pabulib.read(text))
    after = pabulib.read(encoded(text + "META\nkey;value\nextra;1\n"), merge=True)
    assert after.meta["extra"] == "1" and sum(after.weights) == 30


def test_a_section_row_as_wide_as_the_votes_leaves_the_bulk_path_however_it_is_written(encoded):
    text = _many_votes(30)
    for name in ("Meta", " META ", "meta"):
        after = pabulib.read(encoded(text + f"{name};;\nkey;value;\nextra;1;\n"), merge=True)
        assert after.meta["extra"] == "1" and sum(after.weights) == 30, name
        assert (after.votes, after.weights) == (pabulib.read(encoded(text), merge=True).votes, pabulib.read(encoded(text), merge=True).weights)


def test_merged_votes_made_from_the_columns_are_the_votes_of_the_row_by_row_reader(monkeypatch):
    text = _many_votes(60)
    bulk = pabulib.read(text, merge=True)
    assert bulk.ballots is not None
    monkeypatch.setattr(pabulib, "_merged_votes", lambda *arguments: None)
    by_rows = pabulib.read(text, merge=True)
    assert (bulk.votes, bulk.weights) == (by_rows.votes, by_rows.weights)
    assert profiles.scores(bulk) == profiles.scores(by_rows)
    assert (profiles.from_pabulib(bulk).approvals == profiles.from_pabulib(by_rows).approvals).all()
    first_of_each: dict = {}
    for vote in pabulib.read(text).votes:
        first_of_each.setdefault((vote.projects, vote.points), vote)
    assert bulk.votes == list(first_of_each.values())
