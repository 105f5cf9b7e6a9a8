"""Staff PINs: at least eight digits, hashed with scrypt so that a copied database does not reveal them."""

from __future__ import annotations

from ..web.passwords import check_secret as check_pin, hash_secret as hash_pin

# 10**8 PINs at one scrypt check each (about 0.1 s on one core: docs/security.md) take
# some 116 core-days to search offline: longer than a voting period.
MIN_LENGTH = 8
MAX_LENGTH = 32

__all__ = ["check_pin", "hash_pin", "valid_pin", "MIN_LENGTH", "MAX_LENGTH"]


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and pin.isascii() and MIN_LENGTH <= len(pin) <= MAX_LENGTH
