"""The sealing key split among the election board: any k of n shares open it, fewer tell nothing.

The key is wrapped (AES key wrap, RFC 3394) under a random AES-128 key-encryption
key, and that 16-byte key is split with pycryptodome's Shamir scheme. A share is
text a person can type: its holder's number, 26 Crockford symbols and a mod-37
check symbol over both, so a mistyped share is refused before it is combined.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from Crypto.Protocol.SecretSharing import Shamir
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from . import crockford

SECRET_BYTES = 16
SHARE_SYMBOLS = 26
MAX_SHARES = 255


class ShareError(ValueError):
    """A share, or a set of shares, that cannot open the key; the message says why."""


@dataclass(frozen=True)
class Share:
    index: int
    secret: bytes

    @property
    def text(self) -> str:
        """The share as printed on its holder's sheet: `3-XXXX-…-XXX` with the check symbol last."""
        symbols = crockford.encode(b"\0" + self.secret, SHARE_SYMBOLS, (SECRET_BYTES + 1) * 8 - SHARE_SYMBOLS * 5)
        return f"{self.index}-" + crockford.group(symbols + _check(self.index, symbols))


@dataclass(frozen=True)
class SplitKey:
    wrapped: str
    threshold: int
    shares: list[Share]


def _check(index: int, symbols: str) -> str:
    return crockford.check_symbol(f"{index:03d}" + symbols)


def split(private_key: bytes, shares: int, threshold: int) -> SplitKey:
    """Wrap `private_key` under a fresh key-encryption key and split that key k of n."""
    if not 2 <= threshold <= shares <= MAX_SHARES:
        raise ShareError(f"the board needs at least 2 shares with a threshold from 2 to their number (at most {MAX_SHARES}), not {threshold} of {shares}")
    kek = os.urandom(SECRET_BYTES)
    wrapped = aes_key_wrap(kek, private_key)
    parts = [Share(index, secret) for index, secret in Shamir.split(threshold, shares, kek, ssss=False)]
    return SplitKey(base64.b64encode(wrapped).decode("ascii"), threshold, parts)


def parse(typed: str) -> Share:
    """A typed share, checked; raises ShareError naming what is wrong."""
    found = re.fullmatch(r"\s*(\d{1,3})[\s-]+(.*)", typed, re.DOTALL)
    if found is None or not 1 <= int(found.group(1)) <= MAX_SHARES:
        raise ShareError("a share starts with its holder's number and a hyphen, as on the sheet")
    index = int(found.group(1))
    symbols = "".join(found.group(2).split()).replace("-", "").upper()
    if len(symbols) != SHARE_SYMBOLS + 1:
        raise ShareError(f"share {index} has {len(symbols)} symbols after the number, not {SHARE_SYMBOLS + 1}: look for a missing or extra character")
    try:
        canonical = crockford.normalize(f"{index:03d}" + symbols, 3 + SHARE_SYMBOLS)[3:-1]
    except crockford.CodeError as error:
        problem = str(error)
        if problem == "symbol" and _check_symbol_swapped(index, symbols):
            problem = "check"
        reason = {"symbol": "holds a character that is not on the sheet", "check": "does not pass its check: a character is mistyped or two are swapped"}
        raise ShareError(f"share {index} {reason.get(problem, 'is not readable')}") from None
    value = 0
    for symbol in canonical:
        value = value * 32 + crockford.ALPHABET.index(symbol)
    if value >> (SECRET_BYTES * 8):
        raise ShareError(f"share {index} is not readable: its first symbol is too large")
    return Share(index, value.to_bytes(SECRET_BYTES, "big"))


def _check_symbol_swapped(index: int, symbols: str) -> bool:
    """A check symbol may be one of *~$=U, which only checks use: swapped with the share's last symbol it is
    on the sheet all the same, and the holder should hear of a swap, not of a foreign character."""
    try:
        crockford.normalize(f"{index:03d}" + symbols[:-2] + symbols[-1] + symbols[-2], 3 + SHARE_SYMBOLS)
    except crockford.CodeError:
        return False
    return True


def open_key(wrapped: str, shares: Iterable[Share], threshold: int) -> bytes:
    """The private key, from `threshold` different shares; raises ShareError when they do not open it."""
    distinct: dict[int, Share] = {}
    for share in shares:
        distinct.setdefault(share.index, share)
    if len(distinct) < threshold:
        raise ShareError(f"{threshold} different board members' shares are needed, {len(distinct)} given")
    chosen: Sequence[Share] = list(distinct.values())[:threshold]
    kek = Shamir.combine([(share.index, share.secret) for share in chosen], ssss=False)
    try:
        return aes_key_unwrap(kek, base64.b64decode(wrapped))
    except (InvalidUnwrap, ValueError):
        raise ShareError("these shares do not open the sealing key: one of them belongs to another election, or was typed from another sheet") from None
