"""Server-side sessions: the cookie holds only a random id; what a voter chose lives in this process's memory.

Voter sessions (Flask-Session on an in-memory cachelib SimpleCache) are bound to
the client that opened them and end on the server at Finish, after a cast and
after the idle time. Staff sessions are a separate store with their own cookie,
short-lived and revoked at logout.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import timedelta
from typing import Any

from cachelib import SimpleCache
from flask import Flask, Request, Response, current_app, request, session
from flask_session.base import ServerSideSession
from flask_session.cachelib import CacheLibSessionInterface

from . import pairing, participation

STAFF_COOKIE = "vallokal_staff"
# Voter sessions kept at once: forty tablets need a few; the rest is room for
# staff phones and for clients that only opened a page, without evicting a voter mid-vote.
VOTER_SESSIONS = 20_000
STAFF_SESSIONS = 1_000
# The page script resets after IDLE_SECONDS + IDLE_WARNING_SECONDS; the server
# waits this much longer, so a slow network never ends a session the screen still shows.
SERVER_GRACE_SECONDS = 15
# A request waits at most this long for another request of the same session (a cast takes a few milliseconds).
LOCK_SECONDS = 10
LOCKED = "vallokal.session_lock"


class SessionLocks:
    """One lock per session id, held from reading a session to storing it, so that the requests of one tablet
    change its session one at a time and none writes back what another has just changed or ended."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, list[Any]] = {}  # id -> [lock, requests holding or waiting for it]

    def acquire(self, session_id: str) -> bool:
        """False after LOCK_SECONDS: the request then goes on unlocked rather than leave a voter waiting."""
        with self._guard:
            entry = self._locks.setdefault(session_id, [threading.Lock(), 0])
            entry[1] += 1
        if entry[0].acquire(timeout=LOCK_SECONDS):
            return True
        with self._guard:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[session_id]
        return False

    def release(self, session_id: str) -> None:
        with self._guard:
            entry = self._locks[session_id]
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[session_id]
        entry[0].release()

    def __len__(self) -> int:
        return len(self._locks)


class VoterSessionInterface(CacheLibSessionInterface):
    """Flask-Session's cachelib interface, changed where it would lose or revive what a voter did.

    Flask-Session stores the session it read at the end of every request, changed or not: a stylesheet
    fetched while the voter chose a language wrote the old language back, and a draft saved while the cast
    ended the session could bring the choices back for the next person. Here a session is stored only when
    a request changed it, the requests of one session take turns (`SessionLocks`), and static files never
    read it. `Secure` is set on the cookie whenever the request came over TLS.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locks = SessionLocks()

    def open_session(self, app: Flask, request: Request) -> ServerSideSession:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie or len(cookie) > 64 or request.path.startswith(f"{app.static_url_path}/"):
            return self.session_class(sid=self._generate_sid(self.sid_length), permanent=self.permanent)
        if self.locks.acquire(cookie):
            request.environ[LOCKED] = cookie
        else:
            app.logger.warning("a request waited %s s for its session and went on without the lock", LOCK_SECONDS)
        try:
            return super().open_session(app, request)
        except BaseException:
            release_session_lock()
            raise

    def save_session(self, app: Flask, session: ServerSideSession, response: Response) -> None:
        try:
            super().save_session(app, session, response)
        finally:
            release_session_lock()

    def should_set_storage(self, app: Flask, session: ServerSideSession) -> bool:
        return session.modified

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure or app.config["SESSION_COOKIE_SECURE"])


def release_session_lock(error: BaseException | None = None) -> None:
    """After the session is stored, or when a request ends without storing it (the teardown's safety net)."""
    session_id = request.environ.pop(LOCKED, None)
    if session_id is not None:
        current_app.session_interface.locks.release(session_id)  # type: ignore[attr-defined]


def idle_limit(app: Flask) -> int:
    return int(app.config["IDLE_SECONDS"]) + int(app.config["IDLE_WARNING_SECONDS"]) + SERVER_GRACE_SECONDS


def init_app(app: Flask) -> None:
    """Sessions in memory only: never the file backend Flask-Session would otherwise pick."""
    app.config["SESSION_TYPE"] = "cachelib"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=max(idle_limit(app), int(app.config["RECEIPT_SECONDS"])))
    app.config["SESSION_PERMANENT"] = False
    cache = SimpleCache(threshold=int(app.config["VOTER_SESSIONS"]), default_timeout=idle_limit(app))
    app.session_interface = VoterSessionInterface(app, client=cache, key_prefix="voter:", use_signer=False, permanent=False, sid_length=32)
    app.extensions["vallokal_staff_sessions"] = SimpleCache(
        threshold=STAFF_SESSIONS, default_timeout=int(app.config["STAFF_SESSION_MINUTES"]) * 60
    )
    app.before_request(keep_voter_session_to_its_client)
    app.after_request(bind_on_save)
    app.teardown_request(release_session_lock)


def client_identity() -> str:
    """Whom a voter session belongs to: the tablet's pairing, or for other clients their address."""
    return pairing.client_pairing() or f"address:{request.remote_addr}"


def voter_token(session_id: str) -> str:
    """The check-in token of a voter session: derived from its id and client, so that after a
    restart the same cookie on the same tablet finds its receipt and nothing else does."""
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, f"{session_id}|{client_identity()}".encode(), hashlib.sha256).hexdigest()


def end_session() -> None:
    """Forget the whole session, on the server too; the next request gets a new id."""
    session.clear()
    session.pop("_permanent", None)
    session.modified = True


def keep_voter_session_to_its_client() -> None:
    """A session copied to another client, or one left idle too long, is empty on arrival."""
    if request.endpoint in (None, "static") or not session:
        return
    interface = current_app.session_interface
    owner = session.get("client")
    if owner is not None and owner != client_identity():
        # Someone else's id: this client gets a fresh, empty session; the owner keeps theirs.
        session.clear()
        session.sid = interface._generate_sid(interface.sid_length)
        session.modified = True
        return
    idle = "voter" in session and time.time() - float(session.get("seen", 0)) > idle_limit(current_app)
    receipt_over = (
        "receipt" in session and "voter" not in session
        and time.time() - max(float(session.get("receipt_at", 0)), float(session.get("seen", 0)))
        > int(current_app.config["RECEIPT_SECONDS"]) + SERVER_GRACE_SECONDS
    )
    if idle:
        participation.abandoned()
    elif receipt_over and session.get("survey"):
        participation.survey_not_answered()
    if idle or receipt_over:
        end_session()


def bind_on_save(response: Response) -> Response:
    """Every session that is stored names its client."""
    if session and session.modified and "client" not in session:
        session["client"] = client_identity()
    if ("voter" in session or "survey" in session) and request.endpoint not in (None, "static", "tablets.state", "voter.receipt"):
        session["seen"] = time.time()
    return response


# Staff ---------------------------------------------------------------------


def staff_store() -> SimpleCache:
    return current_app.extensions["vallokal_staff_sessions"]


def start_staff_session(response: Response) -> Response:
    """A fresh staff session with its own random id in its own cookie."""
    end_staff_session()
    identifier = secrets.token_urlsafe(32)
    minutes = int(current_app.config["STAFF_SESSION_MINUTES"])
    staff_store().set(identifier, {"address": request.remote_addr, "since": time.time()}, timeout=minutes * 60)
    response.set_cookie(
        STAFF_COOKIE, identifier, max_age=minutes * 60, httponly=True, samesite="Strict", secure=request.is_secure, path="/"
    )
    return response


def staff_cookie() -> str | None:
    value = request.cookies.get(STAFF_COOKIE)
    return value if value and len(value) <= 64 else None


def staff_state() -> str:
    """'active', 'none' (no staff cookie) or 'revoked' (a cookie the server no longer knows, or from another address)."""
    identifier = staff_cookie()
    if identifier is None:
        return "none"
    entry = staff_store().get(identifier)
    if entry is None or entry.get("address") != request.remote_addr:
        return "revoked"
    return "active"


def end_staff_session(response: Response | None = None) -> None:
    identifier = staff_cookie()
    if identifier:
        staff_store().delete(identifier)
    if response is not None:
        response.delete_cookie(STAFF_COOKIE, path="/", httponly=True, samesite="Strict", secure=request.is_secure)
