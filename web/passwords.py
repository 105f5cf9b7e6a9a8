"""Staff secrets (station PINs, office passwords): scrypt hashes and lock-out after failures."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
ATTEMPTS_BEFORE_LOCK = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


def _kdf(salt: bytes, n: int, r: int, p: int) -> Scrypt:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p)


def hash_secret(secret: str) -> str:
    salt = os.urandom(16)
    digest = _kdf(salt, SCRYPT_N, SCRYPT_R, SCRYPT_P).derive(secret.encode("utf-8"))
    encoded = [base64.b64encode(part).decode("ascii") for part in (salt, digest)]
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encoded[0]}${encoded[1]}"


def check_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        _kdf(base64.b64decode(salt), int(n), int(r), int(p)).verify(secret.encode("utf-8"), base64.b64decode(digest))
    except (ValueError, InvalidKey):
        return False
    return True


def lock_for(failures: int) -> timedelta | None:
    """How long to lock after this many failures in a row: none at first, then doubling."""
    if failures < ATTEMPTS_BEFORE_LOCK:
        return None
    return min(FIRST_LOCK * 2 ** (failures - ATTEMPTS_BEFORE_LOCK), LONGEST_LOCK)
