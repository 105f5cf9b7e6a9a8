"""One list each of languages, ballot kinds and counting rules; the schema and every table keyed by them agree."""

from __future__ import annotations

import json
from importlib import resources

from vallokal.election import languages, rules, schema_lists
from vallokal.election.tally import methods


def schema() -> dict:
    return json.loads(resources.files("vallokal.election").joinpath("package.schema.json").read_text(encoding="utf-8"))


def test_the_schema_names_the_listed_languages_and_counting_rules():
    """After adding to a list, run scripts/update_schema.py."""
    assert schema_lists.with_lists(schema()) == schema()


def test_the_schema_names_the_listed_ballot_kinds():
    kinds = [choice["properties"]["rule"]["const"] for choice in schema()["properties"]["ballot"]["oneOf"]]
    assert sorted(kinds) == sorted(rules.RULE_KINDS) and len(kinds) == len(set(kinds))


def test_every_listed_counting_rule_is_counted_and_has_a_pabulib_name():
    assert tuple(methods.RULES) == rules.COUNTING_RULES
    assert set(methods.PABULIB_NAMES) == set(rules.COUNTING_RULES)
    assert set(rules.SCORE_RULES) <= set(rules.COUNTING_RULES)


def test_every_ballot_kind_has_a_shape_and_every_language_its_own_code():
    assert set(rules.CHOICE_SHAPES) == set(rules.RULE_KINDS)
    assert len(set(languages.CODES)) == len(languages.CODES)
    assert len({language.locale for language in languages.LANGUAGES}) == len(languages.LANGUAGES)


def test_a_language_or_rule_missing_from_the_schema_is_noticed():
    without_finnish, without_greedy = schema(), schema()
    without_finnish["$defs"]["language"]["enum"].remove("fi")
    without_greedy["properties"]["counting"]["properties"]["rule"]["enum"].remove("greedy")
    assert schema_lists.with_lists(without_finnish) != without_finnish
    assert schema_lists.with_lists(without_greedy) != without_greedy
