"""Serving the station under waitress, tuned for a small device."""

from __future__ import annotations

import os
import sys

import waitress
from flask import Flask

from .outbox import Outbox

# Waitress would drop X-Forwarded-* from its one client, the TLS terminator; the app's
# ProxyFix reads them instead (one hop), and their absence is what marks the station's own screen.
PROXY_HEADERS = {"clear_untrusted_proxy_headers": False}


def default_threads() -> int:
    """One worker per core (at least two): more only queues behind the interpreter lock."""
    return max(2, os.cpu_count() or 2)


def serve(app: Flask, host: str, port: int, threads: int | None = None) -> None:
    """Serve until stopped; with an OFFICE_URL, the outbox sends ballots in the background."""
    # A cast that waits on fsync should get the interpreter back quickly, not after
    # another thread's full 5 ms slice of page rendering.
    sys.setswitchinterval(0.0005)
    outbox = Outbox(app) if app.config["OFFICE_URL"] else None
    if outbox:
        outbox.start()
    try:
        waitress.serve(app, host=host, port=port, threads=threads or default_threads(), ident="vallokal", **PROXY_HEADERS)
    finally:
        if outbox:
            outbox.stop()
