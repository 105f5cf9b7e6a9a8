"""Speech for the ballot, made once at the office with espeak-ng and shipped in the package.

Every text a voter needs (the introduction, the instructions, each project's
title, summary and cost, the review and the receipt) is spoken in each of the
package's languages that espeak-ng has a voice for, and compressed with
opusenc (Ogg Opus at 16 kbit/s, about 2 kB a second), so a station plays it offline
and the voter needs nothing of their own. A language without a voice is listed
in the package as `audio_missing`, and said so at the build and on the
station's status page.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from typing import Any

from babel.numbers import format_decimal
from babel.support import Translations

from ...election import languages, material
from ...web import TRANSLATIONS
from ...web.i18n import BABEL_LOCALES

VOICES = {language.code: language.voice for language in languages.LANGUAGES}
WORDS_PER_MINUTE = 150
SPEAK_SECONDS = 60


class AudioError(RuntimeError):
    """Speech could not be made; the message says what to install or fix."""

    for_staff = True


def tools_missing() -> list[str]:
    return [tool for tool in ("espeak-ng", "opusenc") if shutil.which(tool) is None]


@cache
def installed_voices() -> frozenset[str]:
    """The voice names espeak-ng has, as `espeak-ng --voices` lists them."""
    listing = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    return frozenset(line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1)


def voice_for(language: str) -> str | None:
    voice = VOICES.get(language)
    return voice if voice in installed_voices() else None


def speak(text: str, voice: str) -> bytes:
    """One clip as Ogg Opus: espeak-ng's WAV piped through opusenc."""
    try:
        wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(WORDS_PER_MINUTE), "--stdout", text],
                             capture_output=True, check=True, timeout=SPEAK_SECONDS).stdout
        return subprocess.run(["opusenc", "--quiet", "--bitrate", "16", "-", "-"], input=wav,
                              capture_output=True, check=True, timeout=SPEAK_SECONDS).stdout
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        raise AudioError(f"speech for {voice!r} failed: {error}") from None


def interface(language: str) -> Callable[..., str]:
    """gettext for `language` from the shipped catalogues, without Flask."""
    translations = Translations.load(str(TRANSLATIONS), [BABEL_LOCALES.get(language, language)])

    def translate(message: str, **values: Any) -> str:
        return translations.gettext(message) % values if values else translations.gettext(message)

    return translate


def texts(document: dict[str, Any], language: str) -> dict[str, str]:
    """What is spoken in `language`, by the key the station looks it up with."""
    _ = interface(language)
    locale = BABEL_LOCALES.get(language, language)
    fallback = document["languages"][0]

    def text(value: dict[str, str] | None) -> str:
        return (value or {}).get(language) or (value or {}).get(fallback) or ""

    def money(amount: int) -> str:
        return _("%(amount)s kr", amount=format_decimal(amount, locale=locale))

    ballot = document["ballot"]
    instructions = {
        "approval": _("Choose all the projects you like."),
        "knapsack": _("Choose the projects you want. Together they may cost at most %(budget)s.", budget=money(document["budget"])),
        "ranking": _("Choose your favourite projects in order, the best first. You can choose up to %(max)s.", max=ballot.get("max_rank", 1)),
        "points": _("Give out %(total)s points to the projects you like.", total=ballot.get("total", 0)),
    }
    spoken = {
        "intro": " ".join(part for part in (
            _("Welcome to the vote"), text(document["title"]) + ".", text(document.get("description")),
            _("You decide how %(budget)s is spent on projects in your area.", budget=money(document["budget"])),
        ) if part),
        "ballot": instructions[ballot["rule"]],
        "review": _("This is your vote. You can change any choice before you cast it."),
        "receipt": " ".join((
            _("Your vote has been saved."),
            _("Write down the code or take a photo of it. When the result is published, you can check with the code that your vote was counted. "
              "The code does not show how you voted."),
        )),
    }
    for project in document["projects"]:
        spoken[f"project:{project['id']}"] = " ".join(part for part in (
            text(project["title"]) + ".", text(project["summary"]), _("Cost") + ": " + money(project["cost"]) + ".",
        ) if part)
    return spoken


def clip_plan(document: dict[str, Any]) -> list[tuple[str, int]]:
    """The languages that get speech, in the order they are spoken, each with its number of clips."""
    return [(language, len(texts(document, language))) for language in document["languages"] if voice_for(language)]


def add_audio(
    draft: material.Draft, report: Callable[[str], None] = lambda line: None, progress: Callable[[str, int, int], None] = lambda *_: None,
) -> material.Draft:
    """The draft with speech for every language that has a voice; the others listed as missing.

    `progress(language, clips done, clips in all)` is called after each clip, for a page's bar.
    """
    missing_tools = tools_missing()
    if missing_tools:
        raise AudioError(f"{' and '.join(missing_tools)} not installed (Debian: apt install espeak-ng opus-tools); build with --no-audio to leave speech out")
    document = dict(draft.document)
    assets = dict(draft.assets)
    audio: dict[str, dict[str, str]] = {}
    missing: list[str] = []
    total, done = sum(count for _, count in clip_plan(document)), 0
    for language in document["languages"]:
        voice = voice_for(language)
        if voice is None:
            missing.append(language)
            report(f"audio: no {language} voice in espeak-ng; voters cannot listen in this language")
            continue
        clips = {}
        for key, text in texts(document, language).items():
            data = speak(text, voice)
            name = f"assets/speech-{language}-{hashlib.sha256(f'{key}:{text}'.encode()).hexdigest()[:16]}.opus"
            assets[name] = data
            clips[key] = name
            done += 1
            progress(language, done, total)
        audio[language] = clips
        report(f"audio: {language} ({voice}), {len(clips)} clips, {sum(len(assets[name]) for name in clips.values()) // 1024} KiB")
    document["audio"] = audio
    if missing:
        document["audio_missing"] = missing
    return material.Draft(document, assets)
