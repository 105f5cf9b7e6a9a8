"""Which tablet a request comes from: the cookie staff set when they named or paired it."""

from __future__ import annotations

from flask import request

from . import store

TABLET_COOKIE = "vallokal_tablet"


def tablet_token() -> str | None:
    """The token of a tablet staff named on this station, from its cookie."""
    value = request.cookies.get(TABLET_COOKIE)
    return value if value and len(value) <= 64 else None


def named_tablet() -> store.Tablet | None:
    return store.tablet(tablet_token())
