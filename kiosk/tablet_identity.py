"""Which tablet a request comes from: the cookie staff set when they named or paired it."""

from __future__ import annotations

from flask import g, request

from . import store

TABLET_COOKIE = "vallokal_tablet"


def tablet_token() -> str | None:
    """The token of a tablet staff named on this station, from its cookie."""
    value = request.cookies.get(TABLET_COOKIE)
    return value if value and len(value) <= 64 else None


def named_tablet() -> store.Tablet | None:
    """Looked up once per request: the pairing check, the session's owner and the page all ask."""
    if "vallokal_tablet" not in g:
        g.vallokal_tablet = store.tablet(tablet_token())
    return g.vallokal_tablet
