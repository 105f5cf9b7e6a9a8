"""Every setting of the office, with its default: `office.toml` in the data folder and `VALLOKAL_*`
environment variables override them (`docs/settings.md`)."""

from __future__ import annotations

import os

from ...web import TRANSLATIONS
from ...web.settings import Setting

SETTINGS = [
    Setting("DATABASE_URL", None, "A PostgreSQL database (`postgresql+psycopg://…`); without it, SQLite in the data folder. A bare `DATABASE_URL` in "
        "the environment counts too."),
    Setting("AUTHORITY_KEY", None, "The election authority's public signing key; by default read from the data folder's `authority-keys.json`."),
    Setting("SEALING_KEY_FILE", None, "The sealing key's file; by default `office-sealing.pem` in the data folder."),
    Setting("REHEARSAL", False, "A rehearsal office: two built-in rehearsal clerks, and every protocol says rehearsal."),
    Setting("COUNT_PROCESSES", os.cpu_count() or 1, "How many processes open sealed ballots during a count."),
    Setting("VERIFY_RECORDS_AT_INGEST", False, "Check each record's own signature while receiving (slow); else a background job checks them."),
    Setting("VERIFY_IN_BACKGROUND", True, "Start the background verifier after each delivery with unchecked records."),
    Setting("VERIFY_PROCESSES", os.cpu_count() or 1, "How many processes check records' signatures at ingest."),
    Setting("SUPPRESSION_THRESHOLD", 10, "Published, printed and exported figures smaller than this are hidden (participation, small channels)."),
    Setting("LOGIN_LIMIT", "10 per 15 minutes", "How many failed logins one client may try (Flask-Limiter's notation); a named clerk is never locked "
        "out from outside."),
    Setting("MAX_CONTENT_LENGTH", 8 * 1024 * 1024, "The largest request body the office reads (bundles, uploads)."),
    Setting("SESSION_COOKIE_NAME", "vallokal_office", "The session cookie's name."),
    Setting("SESSION_COOKIE_SECURE", True, "The session cookie travels over HTTPS only."),
    Setting("SESSION_COOKIE_HTTPONLY", True, "Scripts cannot read the session cookie."),
    Setting("SESSION_COOKIE_SAMESITE", "Strict", "The session cookie is never sent from another site."),
    Setting("STAFF_SESSION_MINUTES", 60, "A clerk's login lasts this long."),
    Setting("BABEL_DEFAULT_LOCALE", "sv", "The language of the office's pages."),
    Setting("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS), "Where the gettext catalogues are."),
    Setting("SQLALCHEMY_DATABASE_URI", None, "Set from DATABASE_URL; not set by hand."),
    Setting("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True}, "Connections are checked before use."),
    Setting("SECRET_KEY", None, "Signs sessions and CSRF tokens; made on the first start in the data folder's `secret-key`."),
]
