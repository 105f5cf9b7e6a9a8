"""Staff secrets (station PINs, office passwords): Werkzeug's scrypt hashes and lock-out after failures.

Hashes made before Werkzeug's format was adopted (`scrypt$N$r$p$salt$digest`) keep verifying.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from werkzeug.security import check_password_hash, generate_password_hash

HASH_METHOD = "scrypt:32768:8:1"
ATTEMPTS_BEFORE_LOCK = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)
LEGACY_PREFIX = "scrypt$"


def hash_secret(secret: str, method: str = HASH_METHOD) -> str:
    return generate_password_hash(secret, method=method)


def check_secret(secret: str, stored: str) -> bool:
    if stored.startswith(LEGACY_PREFIX):
        return _check_legacy(secret, stored)
    try:
        return check_password_hash(stored, secret)
    except (ValueError, TypeError):
        return False


def _check_legacy(secret: str, stored: str) -> bool:
    try:
        _scheme, n, r, p, salt, digest = stored.split("$")
        kdf = Scrypt(salt=base64.b64decode(salt), length=32, n=int(n), r=int(r), p=int(p))
        kdf.verify(secret.encode("utf-8"), base64.b64decode(digest))
    except (ValueError, InvalidKey):
        return False
    return True


def lock_for(failures: int) -> timedelta | None:
    """How long to lock after this many failures in a row: none at first, then doubling."""
    if failures < ATTEMPTS_BEFORE_LOCK:
        return None
    return min(FIRST_LOCK * 2 ** (failures - ATTEMPTS_BEFORE_LOCK), LONGEST_LOCK)
