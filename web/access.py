"""Pages behind a login: the station's staff pages and the office's clerks' pages guard their views alike."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

View = Callable[..., Any]


def guarded(refusal: Callable[[], Any | None]) -> Callable[[View], View]:
    """A decorator: the view runs when `refusal()` answers None, else that answer (a redirect to the login, a 403) is sent instead."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            answer = refusal()
            return view(*args, **kwargs) if answer is None else answer

        return wrapper

    return decorator
