"""The office's tables keyed by ballot kind, counting rule or language cover exactly the lists in election/."""

from __future__ import annotations

from vallokal.election import languages, rules
from vallokal.sync.office import audio, channels, exports, results


def test_the_office_names_every_counting_rule():
    assert set(results.RULE_NAMES) == set(rules.COUNTING_RULES)


def test_the_office_knows_every_ballot_kind():
    assert dict(rules.CHOICE_SHAPES) == channels.SHAPES
    assert set(exports.VOTE_TYPES) == set(rules.RULE_KINDS)


def test_every_language_has_a_voice():
    assert set(audio.VOICES) == set(languages.CODES) and all(audio.VOICES.values())
