"""PIN lock-out per client and purpose, by `limits` (the library under Flask-Limiter): wrong PINs at a tablet never lock the staff phone.

Failures are counted in a moving window for each purpose (staff login, vote
activation) and each of the client's keys: its pairing and its address, as
the TLS terminator forwards it (exactly one trusted proxy hop, see ProxyFix in
create_app). Old failures drop out of the window, so the counter decays.
Only the PIN forms call the limiter: Flask-Limiter's extension would check every
request (about a tenth of the station's CPU per vote) for limits only these views have.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from . import store
from .pairing import client_pairing

FAILURES = parse("5 per 15 minutes")
# Every PIN form, right or wrong, from one client: enough for staff, too slow to search PINs.
ATTEMPTS = parse("30 per 15 minutes")


def client_address() -> str:
    return request.remote_addr or "unknown"


PIN_FORMS = ("staff.login", "voter.activate")


def init_app(app: Flask) -> None:
    """Each app its own in-memory counters; every PIN form also limited as a whole, per client."""
    app.extensions["vallokal_limiter"] = MovingWindowRateLimiter(MemoryStorage())
    for endpoint in PIN_FORMS:
        app.view_functions[endpoint] = limit_attempts(endpoint, app.view_functions[endpoint])


def limit_attempts(endpoint: str, view: Callable[..., Any]) -> Callable[..., Any]:
    """Every POST to the view counts against this client's attempts; past the limit it gets a 429 before the view runs."""

    @wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST" and not strategy().hit(ATTEMPTS, endpoint, client_address()):
            abort(429)
        return view(*args, **kwargs)

    return limited


def strategy() -> MovingWindowRateLimiter:
    return current_app.extensions["vallokal_limiter"]


def client_keys() -> list[str]:
    """What failures are counted against: the client's address and, for a paired tablet, its pairing."""
    keys = [f"address:{client_address()}"]
    pairing = client_pairing()
    if pairing:
        keys.append(f"pairing:{pairing}")
    return keys


def locked_until(purpose: str) -> datetime | None:
    """When this client may try a PIN for `purpose` again, or None if it may now."""
    counters = strategy()
    blocked = [key for key in client_keys() if not counters.test(FAILURES, purpose, key)]
    if not blocked:
        return None
    reset = max(counters.get_window_stats(FAILURES, purpose, key).reset_time for key in blocked)
    return datetime.fromtimestamp(reset, timezone.utc)


def note_failure(purpose: str) -> int:
    """Count a wrong PIN; returns how many attempts this client has left for `purpose`."""
    counters = strategy()
    for key in client_keys():
        counters.hit(FAILURES, purpose, key)
    return min(counters.get_window_stats(FAILURES, purpose, key).remaining for key in client_keys())


def reset(purpose: str) -> None:
    """A right PIN clears this client's failures for `purpose`."""
    storage = strategy().storage
    for key in client_keys():
        storage.clear(FAILURES.key_for(purpose, key))


def try_pin(purpose: str, pin: str, now: datetime):
    """A PIN for `purpose` from this client: refused unchecked while the client is locked out."""
    until = locked_until(purpose)
    if until is not None:
        return store.PinResult(False, locked_until=until)
    if store.try_pin(pin, now):
        reset(purpose)
        return store.PinResult(True)
    left = note_failure(purpose)
    if left <= 0:
        with store.writing():
            store.log("pin_locked", purpose=purpose)
        return store.PinResult(False, locked_until=locked_until(purpose))
    return store.PinResult(False, attempts_left=left)
