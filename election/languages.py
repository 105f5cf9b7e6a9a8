"""The languages Vallokal offers, in the order the language switch shows them.

This is the one list to edit when adding a language; its interface catalogue goes
in web/translations/<locale>/LC_MESSAGES/messages.po (see docs/translating.md).
Packages, the station's and the office's pages, the package schema's test and
the office's speech all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # as packages and the pages name it
    name: str  # in the language itself, on the language switch
    locale: str  # the gettext catalogue's folder in web/translations/ (Babel writes easy-read Swedish sv@easy)
    html_lang: str  # the BCP 47 tag for lang attributes: easy-read Swedish is Swedish to a screen reader
    voice: str  # the espeak-ng voice that speaks it
    right_to_left: bool = False


LANGUAGES: tuple[Language, ...] = (
    Language("sv", "Svenska", locale="sv", html_lang="sv", voice="sv"),
    Language("sv-easy", "Lättläst svenska", locale="sv@easy", html_lang="sv", voice="sv"),
    Language("en", "English", locale="en", html_lang="en", voice="en-gb"),
    Language("ar", "العربية", locale="ar", html_lang="ar", voice="ar", right_to_left=True),
    Language("so", "Soomaali", locale="so", html_lang="so", voice="so"),
    Language("fi", "Suomi", locale="fi", html_lang="fi", voice="fi"),
)
CODES: tuple[str, ...] = tuple(language.code for language in LANGUAGES)
