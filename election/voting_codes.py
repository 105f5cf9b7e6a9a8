"""Voting codes for check-in by code: made at the office, only their hashes travel in the package.

A code is 15 Crockford base32 symbols (75 bits from the system's random source)
and a check symbol, grouped by four for reading aloud and typing.
"""

from __future__ import annotations

import hashlib
import secrets

from . import crockford

SYMBOLS = 15


def generate(count: int) -> list[str]:
    """`count` distinct new codes, grouped (ABCD-EFGH-JKMN-PQRS)."""
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(crockford.make_code(secrets.token_bytes(16), SYMBOLS))
    return sorted(codes)


def canonical(typed: str) -> str:
    """The code without grouping or case; raises crockford.CodeError when it cannot be a code."""
    return crockford.normalize(typed, SYMBOLS)


def code_hash(typed: str) -> str:
    """What the package holds and the station records for a code."""
    return hashlib.sha256(canonical(typed).encode("ascii")).hexdigest()
