"""Languages: the interface through gettext catalogues, the package's texts per language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app, g, session, url_for
from flask_babel import format_decimal, get_locale, get_translations, gettext, lazy_gettext, ngettext
from markupsafe import Markup, escape

from ..election import languages
from ..election.package import ElectionPackage, text_in
from ..election.rules import Violation
from . import local_time

LANGUAGES = {language.code: language.name for language in languages.LANGUAGES}
RIGHT_TO_LEFT = {language.code for language in languages.LANGUAGES if language.right_to_left}
BABEL_LOCALES = {language.code: language.locale for language in languages.LANGUAGES if language.locale != language.code}
HTML_LANG = {language.code: language.html_lang for language in languages.LANGUAGES if language.html_lang != language.code}
LANGUAGE_OF_LOCALE = {locale: language for language, locale in BABEL_LOCALES.items()}
MONEY_CACHE_SIZE = 50_000


def select_locale() -> str:
    language = session.get("language")
    if language not in LANGUAGES:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    return BABEL_LOCALES.get(language, language)


def current_language() -> str:
    """The voter's language as packages name it (sv-easy), not as Babel does (sv@easy)."""
    locale = str(get_locale() or "sv")
    return LANGUAGE_OF_LOCALE.get(locale, locale)


def text_direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def html_lang(language: str) -> str:
    """The BCP 47 tag for `lang` attributes: easy-read Swedish is Swedish to a screen reader."""
    return HTML_LANG.get(language, language)


def money(amount: int) -> str:
    """An amount in whole kronor, grouped the way the voter's language writes it; formatted once per language and
    amount in a process, since every page shows the same costs."""
    formatted = current_app.extensions.setdefault("vallokal_money", {})
    key = (str(get_locale()), amount)
    if key not in formatted:
        if len(formatted) >= MONEY_CACHE_SIZE:
            formatted.clear()
        formatted[key] = gettext("%(amount)s kr", amount=format_decimal(amount))
    return formatted[key]


def request_translations() -> Any:
    """The catalogue for the request's locale, looked up once per request and locale rather than at every string of a
    page (Flask-Babel's own lookup goes through its request context four times per string)."""
    locale = get_locale()
    cached = g.get("vallokal_translations") if locale is not None else None
    if cached is None or cached[0] is not locale:
        cached = (locale, get_translations())
        if locale is not None:
            g.vallokal_translations = cached
    return cached[1]


def fallback_language() -> str:
    """The app's election package's first language, in which every one of its texts exists."""
    package = current_app.extensions["vallokal_current_package"]()
    return package.fallback_language if package else "sv"


def package_text(text: Mapping[str, str] | None) -> Markup:
    """A package text in the voter's language; a fallback is marked with its own lang."""
    if not text:
        return Markup("")
    language = current_language()
    if text.get(language):
        return escape(text[language])
    value, used = text_in(text, language, fallback_language())
    note = gettext("in %(language)s", language=LANGUAGES.get(used, used))
    return Markup('<bdi lang="{}" dir="{}" class="fallback">{}</bdi> <bdi class="fallback-note">({})</bdi>').format(
        html_lang(used), text_direction(used), value, note
    )


def plain_text(text: Mapping[str, str] | None) -> str:
    if not text:
        return ""
    return text_in(text, current_language(), fallback_language())[0]


REASONS = {
    "no_package": lazy_gettext("This station has no election loaded yet. Please ask the staff."),
    "polls_closed": lazy_gettext("Voting is closed at this station right now. Please ask the staff."),
    "not_yet_open": lazy_gettext("Voting has not started yet."),
    "vote_ended": lazy_gettext("Voting has ended."),
    "code_used": lazy_gettext("This voting code has already been used."),
    "storage_full": lazy_gettext("Your vote could not be saved: this station's storage is full. Your choices are kept. Please ask the staff."),
    "already_open": lazy_gettext("The polls are already open."),
    "already_closed": lazy_gettext("The polls are already closed."),
    "paused": lazy_gettext("Voting is paused for a moment. Your choices are kept. Please wait, or ask the staff."),
    "already_paused": lazy_gettext("Voting is already paused."),
    "not_paused": lazy_gettext("Voting is not paused."),
    "tablet_name_missing": lazy_gettext("Give the tablet a name, such as Tablet 1."),
    "tablet_name_taken": lazy_gettext("Another tablet already has that name. Choose another name."),
    "not_staff_check_in": lazy_gettext("In this vote voters check in by themselves, so staff do not start votes on tablets."),
    "tablet_unknown": lazy_gettext("No tablet has that name any more. Reload the page."),
    "too_many_tablets": lazy_gettext("This station already has as many named tablets as it can keep. Forget one first."),
    "code_invalid": lazy_gettext("This voting code is not valid for this vote. Please ask the staff."),
    "pairing_invalid": lazy_gettext("This pairing link is not valid: it was used already or is more than ten minutes old. Ask the staff for a new one."),
    "no_office": lazy_gettext("This station has no office address (OFFICE_URL), so it cannot send ballots over the network. Export them to a stick instead."),
    "no_export_folder": lazy_gettext("That place to export to is not available any more. Plug the stick in again and reload the page."),
}


def reason(code: str) -> str:
    return str(REASONS.get(code, lazy_gettext("Something went wrong. Please ask the staff.")))


def violation_message(violation: Violation, project_titles: Mapping[str, str]) -> str:
    """A sentence a voter understands, saying what to change."""
    values: dict[str, Any] = dict(violation.values)
    names = ", ".join(project_titles.get(project, project) for project in values.get("projects", []))
    code = violation.code
    if code == "too_few":
        return ngettext(
            "Choose at least %(num)d project.", "Choose at least %(num)d projects.", values["minimum"]
        )
    if code == "too_many":
        return ngettext(
            "You can choose at most %(num)d project. Remove one or more.",
            "You can choose at most %(num)d projects. Remove one or more.",
            values["maximum"],
        )
    if code == "over_budget":
        return gettext(
            "Your choices cost %(spent)s, which is %(over)s more than the budget of %(budget)s. Remove a project.",
            spent=money(values["spent"]),
            over=money(values["over"]),
            budget=money(values["budget"]),
        )
    if code == "under_min_spend":
        return gettext(
            "Your choices must cost at least %(minimum)s. Add a project.", minimum=money(values["minimum"])
        )
    if code == "over_points":
        return gettext(
            "You gave %(total)s points but have only %(maximum)s. Take some away.",
            total=values["total"],
            maximum=values["maximum"],
        )
    if code == "points_left":
        return gettext(
            "Give out all %(required)s points. You have given %(total)s.",
            required=values["required"],
            total=values["total"],
        )
    if code == "over_project_cap":
        return gettext(
            "Each project can get at most %(maximum)s points: %(projects)s.", maximum=values["maximum"], projects=names
        )
    if code == "negative_points":
        return gettext("Points cannot be below zero: %(projects)s.", projects=names)
    if code == "repeated_project":
        return gettext("Each project can be chosen only once: %(projects)s.", projects=names)
    if code == "unknown_project":
        return gettext("This ballot has a project that is not in this vote. Please start again.")
    return gettext("This ballot does not follow the rules of the vote. Please check your choices.")


def audio_url(key: str) -> str | None:
    """Where the station serves the package's speech for `key` in the voter's language, if there is any."""
    package = current_app.extensions["vallokal_current_package"]()
    asset = package.audio(current_language(), key) if package else None
    return url_for("voter.asset", name=asset.removeprefix("assets/")) if asset else None


def init_app(app: Flask, current_package: Callable[[], ElectionPackage | None]) -> None:
    """Template helpers; `current_package` tells which election's texts are shown."""
    app.extensions["vallokal_current_package"] = current_package
    local_time.init_app(app)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: request_translations().ugettext(string),
        ngettext=lambda singular, plural, count: request_translations().ungettext(singular, plural, count),
        pgettext=lambda context, string: request_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, count: request_translations().unpgettext(context, singular, plural, count),
        newstyle=True,
    )

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        language = current_language()
        return {
            "languages": LANGUAGES,
            "language": language,
            "html_lang": html_lang,
            "audio_url": audio_url,
            "direction": text_direction(language),
            "text_direction": text_direction,
            "money": money,
            "ptext": package_text,
        }
