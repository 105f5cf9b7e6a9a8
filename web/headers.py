"""Response headers that keep one voter's page away from the next voter and from other sites."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

COMPRESSED_STATIC = ("text/css", "text/javascript", "application/javascript", "image/svg+xml")


def init_app(app: Flask) -> None:
    Compress(app)  # pages, styles and scripts travel compressed to tablets on a slow site network

    @app.after_request
    def _secure(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        if request.endpoint == "static" and response.status_code == 200 and response.mimetype in COMPRESSED_STATIC:
            # The files are small: read them here, so they are compressed whole and closed with the response.
            response.direct_passthrough = False
            response.make_sequence()
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
