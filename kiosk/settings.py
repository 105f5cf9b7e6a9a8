"""Every setting of the station, with its default: `station.toml` in the data folder and `VALLOKAL_*`
environment variables override them (`docs/settings.md`)."""

from __future__ import annotations

from ..web import TRANSLATIONS
from ..web.settings import Setting

SETTINGS = [
    Setting("STATION_NAME", "Vallokal", "The station's name on its pages, reports and at the office."),
    Setting("AUTHORITY_KEY", None, "The election authority's public signing key; only packages it signed load."),
    Setting("HOST", "127.0.0.1", "The address `vallokal station serve` listens on."),
    Setting("PORT", 8080, "The port `vallokal station serve` listens on."),
    Setting("OFFICE_URL", None, "The office's address; without it the station keeps everything for an export."),
    Setting("SYNC_INTERVAL_SECONDS", 10, "How often the outbox sends new records to the office."),
    Setting("SYNC_TIMEOUT_SECONDS", 15, "How long one send waits for the office's answer."),
    Setting("SYNC_BATCH", 500, "At most this many records in one bundle."),
    Setting("SYNC_FIRST_BACKOFF_SECONDS", 1.0, "The first wait after a failed send; it doubles with each failure."),
    Setting("EXPORT_FOLDERS", [], "Folders staff may export to besides the mounted USB sticks."),
    Setting("EXPORT_MOUNT_ROOTS", ["/media", "/run/media", "/mnt"], "Where the staff panel looks for mounted USB sticks."),
    Setting("IDLE_SECONDS", 180, "A voter's screen resets after this long without a touch (kept within 2–5 minutes)."),
    Setting("IDLE_WARNING_SECONDS", 45, "How long before the reset the voter is asked whether to continue (at least 30 s)."),
    Setting("RECEIPT_SECONDS", 90, "How long the receipt stays on screen."),
    Setting("STAFF_SESSION_MINUTES", 15, "A staff login lasts this long."),
    Setting(
        "SQLALCHEMY_DATABASE_URI",
        None,
        "The station's database: SQLite in the data folder (WAL, synchronous=FULL).",
        default_for=lambda folder: f"sqlite:///{folder / 'station.sqlite3'}",
    ),
    Setting("PUBLIC_URL", None, "The station's address through its TLS terminator (https://station.local), for pairing links."),
    Setting("STATION_NAMES", [], "The names the station answers to besides loopback (the Host allow-list), e.g. its mDNS name."),
    Setting("HOTSPOT_ADDRESS", None, "The station's address on its own Wi-Fi (`vallokal station hotspot`); `station tls` keeps it in the certificate."),
    Setting("PROXY_HOPS", 1, "How many proxies in front of the station to trust for the client's address: exactly the TLS terminator."),
    Setting("SCREEN_ON_LOOPBACK", True, "A client on loopback with no forwarded address is the station's own screen, paired by provisioning."),
    Setting("VOTER_SESSIONS", 20_000, "How many voter sessions the station keeps in memory at once."),
    Setting("SESSION_COOKIE_SECURE", False, "Cookies travel over HTTPS only; on when a request comes through the TLS terminator."),
    Setting("WTF_CSRF_SSL_STRICT", False, "Off, because pages send no Referer; CSRF tokens, SameSite=Strict and the Origin check do that job."),
    Setting("MAX_CONTENT_LENGTH", 64 * 1024, "The largest request body the station reads."),
    Setting("MAX_FORM_PARTS", 600, "The most form fields one request may carry."),
    Setting("SESSION_COOKIE_HTTPONLY", True, "Scripts cannot read the session cookie."),
    Setting("SESSION_COOKIE_SAMESITE", "Strict", "The session cookie is never sent from another site."),
    Setting("SESSION_COOKIE_NAME", "vallokal_station", "The session cookie's name."),
    Setting("WTF_CSRF_TIME_LIMIT", None, "CSRF tokens last as long as the session."),
    Setting("BABEL_DEFAULT_LOCALE", "sv", "The language of a page before the voter chooses one."),
    Setting("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS), "Where the gettext catalogues are."),
    Setting("SECRET_KEY", None, "Signs sessions and CSRF tokens; made on the first start in the data folder's `secret-key`."),
]
