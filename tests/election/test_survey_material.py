"""The survey after the receipt as staff write it in settings.toml: every problem at once, in words that say what to change."""

from __future__ import annotations

from pathlib import Path

from vallokal.election import material

EXAMPLE = Path(__file__).parents[2] / "provisioning" / "example" / "settings.toml"


def problems_of(text: str) -> list[str]:
    settings, problems = material.read_settings(EXAMPLE.read_bytes().split(b"[[survey]]")[0] + text.encode())
    _, _, more = material.settings_document(settings)
    return [str(problem) for problem in problems + more]


def test_the_example_carries_a_short_survey_in_both_its_languages():
    settings, problems = material.read_settings(EXAMPLE.read_bytes())
    document, languages, more = material.settings_document(settings)
    assert problems == more == []
    questions = document["survey"]["questions"]
    assert [question["id"] for question in questions] == ["age", "first_time", "heard"]
    assert all(set(answer["text"]) == set(languages) for question in questions for answer in question["answers"])


def test_every_survey_problem_is_named_at_once():
    found = problems_of('''
[[survey]]
id = "Age!"
question = { en = "How old?" }
answers = [{ id = "none", sv = "Ingen" }, { id = "x", sv = "X" }, { id = "x", sv = "Y" }]

[[survey]]
id = "heard"
question = { sv = "Hur?" }
answers = [{ id = "only", sv = "Bara ett" }]
colour = "red"
''')
    text = "\n".join(found)
    assert "survey question 1: id: give a short name" in text
    assert "survey question 1: question: has no text in sv" in text
    assert 'answer 1: id: give a short name of small letters, digits, _ or - (not "none")' in text
    assert "answer 3: id 'x' is used by an earlier answer" in text
    assert "survey question 2: answers: give 2 to 10 answers" in text
    assert "survey question 2: unknown setting colour" in text


def test_a_survey_that_is_not_a_list_of_questions_is_named():
    settings, _ = material.read_settings(EXAMPLE.read_bytes())
    _, _, problems = material.settings_document({**settings, "survey": "yes"})
    assert [str(problem) for problem in problems] == [
        'settings.toml: survey: give each question as a table, such as [[survey]] id = "age", question = { sv = "…" }, '
        'answers = [{ id = "under_25", sv = "…" }, …]'
    ]
