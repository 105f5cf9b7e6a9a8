"""Every error is a page that says what to do, in the voter's language, never a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import store
from .extensions import db

MESSAGES = {
    400: lazy_gettext("The request could not be understood. Please go back to the start and try again."),
    403: lazy_gettext("This is not allowed here. Please ask the staff."),
    404: lazy_gettext("This page does not exist."),
    405: lazy_gettext("This page cannot be used that way."),
    413: lazy_gettext("What was sent is too large."),
    429: lazy_gettext("Too many attempts. Please wait a moment."),
    500: lazy_gettext("Something went wrong at the station. Please ask the staff."),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        message = lazy_gettext("This page was open too long or was sent twice. Please start again from the beginning.")
        return render_template("kiosk/error.html", message=message, status=400), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        status = error.code or 500
        message = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
        return render_template("kiosk/error.html", message=message, status=status), status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        app.logger.exception("unexpected error")
        _log_error(type(error).__name__)
        return render_template("kiosk/error.html", message=MESSAGES[500], status=500), 500


def _log_error(kind: str) -> None:
    """Put the error in the station's event log for staff, if the database still answers."""
    try:
        db.session.rollback()
        with store.writing():
            store.log("error", error=kind)
    except Exception:  # the database may be what failed; the page must still be shown
        db.session.rollback()
