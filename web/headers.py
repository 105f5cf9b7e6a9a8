"""Response headers that keep one voter's page away from the next voter and from other sites."""

from __future__ import annotations

from flask import Flask, Response, g, request
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


def carries_secret() -> bool:
    """A page made with a CSRF token (every form: a typed voting code, a receipt, a staff page, a login) is a page
    whose length, compressed, would leak its secrets to a site that reflects guesses into it (BREACH)."""
    return request.endpoint != "static" and "csrf_token" in g


def init_app(app: Flask) -> None:
    app.config["COMPRESS_REGISTER"] = False
    compress = Compress(app)  # styles, scripts and pages without secrets travel compressed to tablets on a slow site network

    @app.after_request
    def _compress(response: Response) -> Response:
        return response if carries_secret() else compress.after_request(response)

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
