"""The count's pure step at scale: opening in chunks, checking each distinct ballot once, shuffling, and scores per channel."""

from __future__ import annotations

import hashlib
from collections import Counter

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from vallokal.election import envelope, keys, opening
from vallokal.election.rules import Ballot, BallotRule
from vallokal.election.tally import outcome as outcomes

COSTS = {"a": 300, "b": 500, "c": 700}
RULE = BallotRule("knapsack", 1000, COSTS, min_selections=1)
POINTS = BallotRule("points", 1000, COSTS, points_total=10, points_per_project=5)


def sealed_items(office: X25519PrivateKey, ballots: list[dict]) -> list[tuple[str, str, str, str]]:
    return [(envelope.seal(choices, keys.public_text(office), "e1", "d1", f"b{number}"), "d1", f"b{number}", hashlib.sha256(bytes([number])).hexdigest())
            for number, choices in enumerate(ballots)]


def test_a_chunk_opens_and_checks_each_ballot_as_one_by_one_would():
    office = X25519PrivateKey.generate()
    ballots = [{"selected": ["a"]}, {"selected": ["b", "c"]}, {"selected": ["a"]}, {"selected": ["zz"]}, {"selected": ["a", "b"]}]
    items = sealed_items(office, ballots)
    items.append((items[0][0], "d1", "moved", hashlib.sha256(b"moved").hexdigest()))
    checked = opening.open_chunk(office.private_bytes_raw(), "e1", RULE, items)
    expected = []
    for choices, (_, _, _, record_hash) in zip(ballots, items):
        ballot, reason = outcomes.check(RULE, choices)
        expected.append((None, reason, None) if ballot is None else
                        ('{"selected":[' + ",".join(f'"{project}"' for project in sorted(ballot.selected)) + "]}", None, envelope.tracking_code(record_hash)))
    assert checked == [*expected, (None, opening.UNOPENABLE, None)]
    assert [reason for _, reason, _ in checked] == [None, "over_budget", None, "unknown_project", None, "unopenable"]


def test_the_shuffle_keeps_every_item_once_and_moves_them():
    items = list(range(10_000))
    orders = [opening.shuffled(items) for _ in range(3)]
    assert all(sorted(order) == items for order in orders)
    assert orders[0] != items and orders[0] != orders[1]


def test_each_channel_scores_as_its_ballots_do_one_by_one():
    ballots = [Ballot(points={"a": 5, "b": 2}), Ballot(points={"c": 3}), Ballot(points={"a": 5, "b": 2})]
    weighted = opening.weighted_scores(POINTS, list(COSTS), [(ballots[0], 2), (ballots[1], 1)])
    assert weighted == outcomes.scores(POINTS, list(COSTS), ballots) == Counter({"a": 10, "b": 4, "c": 3})


def test_a_count_of_station_paper_and_imported_ballots_keeps_each_channel_and_every_code():
    office = X25519PrivateKey.generate()
    items = sealed_items(office, [{"selected": ["a"]}, {"selected": ["a", "c"]}, {"selected": ["b", "c"]}])
    station = opening.open_chunk(office.private_bytes_raw(), "e1", RULE, items)
    others = [("paper", '{"selected":["b"]}'), ("import", '{"selected":["a","b"]}'), ("paper", "not json")]
    counted = opening.count(RULE, "greedy", list(COSTS), station, others)
    assert counted.result["channels"]["station"] == {"valid": 2, "invalid": 1, "scores": {"a": 2, "b": 0, "c": 1}}
    assert counted.result["channels"]["paper"] == {"valid": 1, "invalid": 1, "scores": {"a": 0, "b": 1, "c": 0}}
    assert counted.result["valid"] == 4 and counted.result["invalid"] == {"over_budget": 1, outcomes.UNREADABLE: 1}
    assert sorted(counted.codes) == sorted(envelope.tracking_code(item[3]) for item in items[:2])
    assert Counter(channel for channel, _, _ in counted.opened) == {"station": 3, "paper": 2, "import": 1}
