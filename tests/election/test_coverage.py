"""A package offers a language only when it has every one of its texts in it, and says which are missing."""

from __future__ import annotations

from vallokal.election import coverage
from vallokal.election.material import Draft


def test_the_demo_lacks_nothing_in_any_of_its_languages(make_document) -> None:
    document = make_document()
    assert coverage.missing_texts(document) == {language: [] for language in document["languages"][1:]}
    assert coverage.covered_languages(document) == document["languages"]


def test_a_language_with_half_its_texts_is_not_covered_and_its_gaps_are_named(make_document) -> None:
    document = make_document()
    document["languages"] = ["sv", "en", "ar"]
    document["title"]["ar"] = "الميزانية التشاركية"
    document["projects"][0]["title"]["ar"] = "إنارة آمنة"
    missing = coverage.missing_texts(document)
    assert "$.title" not in missing["ar"] and "$.projects[0].title" not in missing["ar"]
    assert "$.projects[0].summary" in missing["ar"] and "$.area.name" in missing["ar"]
    assert coverage.covered_languages(document) == ["sv", "en"]
    assert set(Draft(document).missing_texts) == {"ar"}


def test_the_demo_served_by_vallokal_demo_is_whole_in_all_six_languages(make_document) -> None:
    from vallokal.election import package as packages

    from vallokal.demo_texts import in_all_languages

    document = in_all_languages(make_document())
    packages.validate_document(document)
    covered = coverage.covered_languages(document)
    assert sorted(covered) == sorted(packages.LANGUAGES) and covered[0] == "sv", "every language covered, Swedish first (the fallback)"
