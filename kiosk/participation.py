"""What the station notes for the participation figures, in the voter's session only, until a cast or an abandonment.

The session (in memory, never in the database) holds a few flags: when the voter checked in,
whether speech or help were used, what the review page first showed. At the cast they become
counter names raised with the ballot (election.participation); the session then forgets them.
"""

from __future__ import annotations

import time
from typing import Any

from flask import session

from ..election import participation
from ..web import i18n
from ..web.clock import now
from . import store

FLAGS = ("started_at", "used_speech", "used_help", "reviewed_choices", "changed_on_review")


def checked_in() -> None:
    session["started_at"] = time.time()


def used(feature: str) -> None:
    session["used_" + feature] = True


def reviewed(choices: Any) -> None:
    """The first review of this voter's choices; a cast of other choices changed something after it."""
    session.setdefault("reviewed_choices", choices)


def at_cast(choices: Any) -> list[str]:
    """The counter names this cast raises."""
    features = [feature for feature in ("speech", "help") if session.get("used_" + feature)]
    if session.get("audio_rate") or session.get("audio_volume"):
        features.append("speech")
    if "reviewed_choices" in session and session["reviewed_choices"] != choices:
        features.append("changed_on_review")
    seconds = time.time() - float(session.get("started_at", time.time()))
    return participation.cast_counters(
        i18n.current_language(), session.get("text_size", "normal"), session.get("contrast", "default"), features, seconds
    )


def abandoned() -> None:
    """A voter who checked in leaves before casting (Stop and start over, or the idle reset)."""
    store.count([participation.ABANDONED], now())


def survey_questions() -> list[dict[str, Any]]:
    package = store.current_package()
    return list(package.document.get("survey", {}).get("questions", ())) if package else []


def survey_answered(form: Any) -> None:
    questions = survey_questions()
    answers = {question["id"]: form.get(f"survey-{question['id']}", "") for question in questions}
    store.count(participation.survey_counters(questions, answers), now())


def survey_not_answered() -> None:
    store.count([participation.SURVEY_NOT_ANSWERED], now())
