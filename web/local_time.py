"""Times as people read them: in the election's time zone (Europe/Stockholm unless the package names
another), with the zone's abbreviation on every time. Data, JSON and exports keep UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app

DEFAULT_ZONE = ZoneInfo("Europe/Stockholm")
FORMATS = {"minute": "%Y-%m-%d %H:%M", "second": "%Y-%m-%d %H:%M:%S", "clock": "%H:%M:%S", "date": "%Y-%m-%d"}


def zone() -> ZoneInfo:
    """The zone of the election on show; the default where none is loaded yet."""
    current = current_app.extensions.get("vallokal_current_package")
    package = current() if current else None
    return package.timezone if package is not None else DEFAULT_ZONE


def moment(value: datetime | str) -> datetime:
    """A stored time as an aware datetime: naive ones are UTC, as the databases keep them; strings are ISO 8601."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def local_time(value: datetime | str | None, style: str = "minute") -> str:
    """`2026-12-01 08:09 CET` for a stored `2026-12-01T07:09:13Z`; an empty string for no time."""
    if value is None or value == "":
        return ""
    shown = moment(value).astimezone(zone())
    return f"{shown.strftime(FORMATS[style])} {shown.tzname()}"


def zone_name() -> str:
    return str(zone().key)


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")

    @app.context_processor
    def _zone() -> dict[str, Any]:
        return {"time_zone": zone_name}
