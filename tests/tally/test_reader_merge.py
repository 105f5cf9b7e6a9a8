"""The counting form of the Pabulib reader: identical votes merged with weights, and the quick path for files without quotes."""

from __future__ import annotations

import pytest
from elections import FILES, needs_files
from vallokal.election.tally import methods, pabulib, profile as profiles

PLAIN = (
    "META\nkey;value\nbudget;1000\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;400\n2;300\n10;300\n"
    "VOTES\nvoter_id;vote;points;age\nv1;1,2;3,2;30\nv2;1,2;3,2;40\nv3;2,1;2,3\nv4;10;5\n\nv5; 1 , 2 ;3.0, 2\n"
)


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
def test_merging_keeps_every_check_with_its_line(votes, message):
    text = "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;10\n2;10\nVOTES\nvoter_id;vote\n" + votes
    for merge in (False, True):
        with pytest.raises(pabulib.PabulibError, match=message):
            pabulib.read(text, merge=merge)


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


def test_quotes_in_the_projects_only_leave_the_votes_to_the_quick_path_with_the_same_cells_and_lines():
    head = 'META\r\nkey;value\r\nbudget;1000\r\nPROJECTS\r\nproject_id;cost;name\r\n1;400;"Park;\r\nnorth"\r\n2;300;"A ""B"""\r\n'
    votes_only_plain = head + "VOTES\r\nvoter_id;vote\r\nv1;1,2\r\nv2;2\r\n"
    votes_quoted = head + 'VOTES\r\nvoter_id;vote\r\nv1;"1,2"\r\nv2;2\r\n'
    for merge in (False, True):
        one, other = pabulib.read(votes_only_plain, merge=merge), pabulib.read(votes_quoted, merge=merge)
        assert one.projects["1"]["name"] == "Park;\r\nnorth" and one.projects["2"]["name"] == 'A "B"'
        assert (one.votes, one.weights) == (other.votes, other.weights)
        for text in (votes_only_plain, votes_quoted):
            with pytest.raises(pabulib.PabulibError, match="line 13: voter 'v1' appears twice"):
                pabulib.read(text + "v1;2\r\n", merge=merge)
