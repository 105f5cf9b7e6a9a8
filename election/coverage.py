"""Which of a package's languages carry every one of its texts, and which texts each one lacks.

A station offers a voter only the languages its package covers, so nobody meets a vote
half in their language and half in Swedish; the office sees at build time what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .package import LANGUAGES

SKIPPED = ("keys", "voting_codes", "assets", "audio", "audio_missing")


def texts(value: Any, path: str = "$") -> Iterator[tuple[str, Mapping[str, str]]]:
    """Every text object (one string per language) in a package document, with its JSON path."""
    if isinstance(value, dict):
        if value and set(value) <= set(LANGUAGES) and all(isinstance(item, str) for item in value.values()):
            yield path, value
            return
        for key, item in value.items():
            if key not in SKIPPED:
                yield from texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from texts(item, f"{path}[{index}]")


def missing_texts(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """For each of the package's languages after the first: the paths of texts it lacks."""
    languages = list(document.get("languages", ()))
    found = list(texts({key: value for key, value in document.items() if key != "languages"}))
    return {
        language: [path for path, text in found if text.get(languages[0]) and not text.get(language, "").strip()]
        for language in languages[1:]
    }


def covered_languages(document: Mapping[str, Any]) -> list[str]:
    """The package's languages that carry all of its texts, the first language always among them."""
    missing = missing_texts(document)
    return [language for language in document.get("languages", ()) if not missing.get(language)]
