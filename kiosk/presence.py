"""Which named tablets are attached right now: the last request of each, kept in memory, never on disk.

The staff panel shows it and every request updates it, so it sits below both the
staff pages and the tablets' own pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from ..web.clock import now
from . import store
from .tablet_identity import tablet_token as token

ATTACHED_SECONDS = 10


def seen() -> dict[str, datetime]:
    return current_app.extensions.setdefault("vallokal_tablets_seen", {})


def note_seen() -> None:
    """Every request from a named tablet marks it attached."""
    value = token()
    if value:
        seen()[store.token_hash(value)] = now()


def attached(tablet: store.Tablet) -> bool:
    last = seen().get(tablet.token_hash)
    return last is not None and now() - last < timedelta(seconds=ATTACHED_SECONDS)


def last_seen(tablet: store.Tablet) -> datetime | None:
    return seen().get(tablet.token_hash)
