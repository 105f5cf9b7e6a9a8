"""The one clock both apps read: the app's own (passed to its factory) inside an app, else the system's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from flask import Flask, current_app, has_app_context

Clock = Callable[[], datetime]


def system_now() -> datetime:
    return datetime.now(timezone.utc)


def init_app(app: Flask, clock: Clock | None) -> None:
    app.extensions["vallokal_clock"] = clock or system_now


def now() -> datetime:
    """The current time in UTC, from the running app's clock when there is one."""
    if has_app_context():
        return current_app.extensions.get("vallokal_clock", system_now)()
    return system_now()
