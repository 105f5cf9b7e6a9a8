"""How the office's pages show machine facts to people: alerts, rules and check-in modes in
words of the page's language. Exports and the API keep the machine names."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask_babel import gettext, lazy_gettext

from ...election import material
from ...web.i18n import LANGUAGES

ALERT_NAMES = {
    "revoked_device": lazy_gettext("A revoked device sent ballots"),
    "conflict": lazy_gettext("Records that contradict what is stored"),
    "outside_window": lazy_gettext("Ballots cast outside the voting window"),
    "code_used_twice": lazy_gettext("A voting code used twice"),
}
CHECK_IN_NAMES = {
    "staff": lazy_gettext("by staff, who start each vote"),
    "code": lazy_gettext("with a voting code"),
    "open": lazy_gettext("open: the voter confirms they may vote"),
}
BALLOT_RULE_NAMES = {
    "approval": lazy_gettext("choose projects (approval)"),
    "knapsack": lazy_gettext("choose projects within the budget"),
    "ranking": lazy_gettext("rank projects"),
    "points": lazy_gettext("give points to projects"),
}
COMMAND_LINE = "command line"


def alert_name(kind: str) -> str:
    return str(ALERT_NAMES.get(kind, kind))


def alert_detail(kind: str, detail: str | None) -> str:
    """The alert's facts in a sentence; a kind this page does not know is shown as its data."""
    try:
        facts: dict[str, Any] = json.loads(detail or "{}")
    except ValueError:
        return detail or ""
    if kind == "revoked_device":
        return str(lazy_gettext("%(records)s records refused: %(reason)s", records=facts.get("records", "?"), reason=facts.get("reason", "")))
    if kind == "conflict":
        return str(lazy_gettext("Nothing of the bundle was stored: %(reason)s", reason=facts.get("reason", "")))
    if kind == "outside_window":
        sequences = ", ".join(str(number) for number in facts.get("sequences", []))
        return str(lazy_gettext("%(count)s records, numbers %(sequences)s. They are stored and shown to the "
            "board.", count=facts.get("count", "?"), sequences=sequences))
    if kind == "code_used_twice":
        return str(lazy_gettext("See Voting codes: the ballot cast first counts."))
    return ", ".join(f"{name}: {value}" for name, value in sorted(facts.items()))


def counted_by(who: str) -> str:
    return str(lazy_gettext("the command line")) if who == COMMAND_LINE else who


def problem_text(problem: material.Problem) -> str:
    """A package problem in the page's language: its sentence from the catalogue, filled with its values."""
    return gettext(material.PROBLEMS[problem.code]) % dict(problem.values)


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)


def init_app(app: Flask) -> None:
    app.add_template_filter(language_name, "language_name")
    @app.context_processor
    def _words() -> dict[str, Any]:
        return {
            "alert_name": alert_name,
            "alert_detail": alert_detail,
            "check_in_name": lambda mode: str(CHECK_IN_NAMES.get(mode, mode)),
            "ballot_rule_name": lambda rule: str(BALLOT_RULE_NAMES.get(rule, rule)),
            "counted_by": counted_by,
            "problem_text": problem_text,
        }
