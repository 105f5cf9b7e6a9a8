"""Every voter-facing string is translated, and the catalogues match the source."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from vallokal.election.languages import LANGUAGES as OFFERED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
LANGUAGES = [language.locale for language in OFFERED_LANGUAGES]
EVERY_STRING = ["sv", "sv@easy", "en"]


def catalogue(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def test_template_lists_every_string_in_the_source(tmp_path):
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "lazy_gettext",
         "-o", str(fresh), "--no-location", "--sort-output", str(ROOT)]
    )
    with open(fresh, "rb") as handle:
        current = {message.id for message in read_po(handle) if message.id}
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        committed = {message.id for message in read_po(handle) if message.id}
    assert current == committed, "run the extract and update steps in docs/translating.md"


def voter_facing(tmp_path: Path) -> set:
    """The strings a voter or a reader of the public results can meet, by the sources listed in voter.cfg."""
    template = tmp_path / "voter.pot"
    CommandLineInterface().run(
        ["pybabel", "--quiet", "extract", "-F", str(TRANSLATIONS / "voter.cfg"), "-k", "lazy_gettext",
         "-o", str(template), "--no-location", "--sort-output", str(ROOT)]
    )
    with open(template, "rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_the_catalogues_are_the_shipped_languages():
    from vallokal.web.i18n import BABEL_LOCALES, LANGUAGES as OFFERED

    shipped = {path.name for path in TRANSLATIONS.iterdir() if (path / "LC_MESSAGES").is_dir()}
    assert shipped == set(LANGUAGES) == {BABEL_LOCALES.get(language, language) for language in OFFERED}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_voter_facing_message_is_translated(language, tmp_path):
    wanted = voter_facing(tmp_path)
    assert len(wanted) > 200 and "Cast my vote" in wanted and "Was my ballot counted?" in wanted
    assert_translated(language, wanted)


@pytest.mark.parametrize("language", EVERY_STRING)
def test_every_message_is_translated(language):
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    assert_translated(language, wanted)


def assert_translated(language, wanted):
    translated = catalogue(language)
    missing = []
    for message_id in wanted:
        message = translated.get(message_id if isinstance(message_id, str) else message_id[0])
        strings = message.string if message is not None else None
        if message is None or message.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message_id)
    assert not missing, f"{language} lacks: {missing[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language):
    def table(messages):
        return {tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id:
                tuple(message.string) if isinstance(message.string, (list, tuple)) else message.string
                for message in messages if message.id}

    source = table(message for message in catalogue(language) if message.string and all(message.string))
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        compiled = table(read_mo(BytesIO(handle.read())))
    assert {key: value for key, value in compiled.items() if key in source} == source, "run pybabel compile -d web/translations"


def test_amounts_and_page_strings_follow_a_change_of_language_within_one_request(app):
    """Amounts are formatted once per language and the page's catalogue is looked up once per request: a language
    switched mid-request (or a later request in another language) still gets its own grouping and words."""
    from flask import render_template_string
    from flask_babel import force_locale
    from vallokal.web.i18n import money

    page = "{{ _('%(amount)s kr', amount=money(180000)) }}"
    seen = {}
    with app.test_request_context():
        for language in ("sv", "so", "en", "sv", "so"):
            with force_locale(language):
                shown = (money(180000), render_template_string(page, money=money))
            assert seen.setdefault(language, shown) == shown
    assert seen["sv"] == ("180\xa0000 kr", "180\xa0000 kr kr")
    assert seen["en"] == ("180,000 kr", "180,000 kr kr")
    assert seen["so"] == ("180,000 karoon", "180,000 karoon karoon")
