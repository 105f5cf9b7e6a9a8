"""The station under waitress with one part swapped for a no-op, for the benchmarks only: never a way to run a station.

    serve_variant.py DATA PORT [--threads N] [--no-limiter] [--cookie-sessions]

--no-limiter takes the PIN forms' attempt limit out (the station has no per-request limiter
check: only those two views call `limits`, so the voter flow should show no difference);
--cookie-sessions puts Flask's signed-cookie sessions (what the station had before
issue 13) in place of the server-side ones. What a run with a part swapped out saves is
what that part costs a cast.
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from vallokal.kiosk import create_app, lockout, prepare, server


class CookieSession(SecureCookieSession):
    """A signed-cookie session with the id the station's voter token is derived from."""

    @property
    def sid(self) -> str:
        if "_sid" not in self:
            self["_sid"] = secrets.token_urlsafe(32)
        return self["_sid"]

    @sid.setter
    def sid(self, value: str) -> None:
        self["_sid"] = value


class CookieSessions(SecureCookieSessionInterface):
    session_class = CookieSession
    sid_length = 32

    def _generate_sid(self, length: int) -> str:
        return secrets.token_urlsafe(length)

    def regenerate(self, session: CookieSession) -> None:
        session.sid = self._generate_sid(self.sid_length)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--no-limiter", action="store_true")
    parser.add_argument("--cookie-sessions", action="store_true")
    arguments = parser.parse_args()
    app = create_app(data_dir=arguments.data)
    prepare(app)
    if arguments.no_limiter:
        for endpoint in lockout.PIN_FORMS:
            app.view_functions[endpoint] = app.view_functions[endpoint].__wrapped__
    if arguments.cookie_sessions:
        app.session_interface = CookieSessions()
    server.serve(app, "127.0.0.1", arguments.port, arguments.threads)


if __name__ == "__main__":
    main()
