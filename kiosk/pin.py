"""Staff PINs: digits only, hashed with scrypt so that a copied database does not reveal them."""

from __future__ import annotations

from ..web.passwords import check_secret as check_pin, hash_secret as hash_pin

MIN_LENGTH = 4
MAX_LENGTH = 32

__all__ = ["check_pin", "hash_pin", "valid_pin", "MIN_LENGTH", "MAX_LENGTH"]


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and pin.isascii() and MIN_LENGTH <= len(pin) <= MAX_LENGTH
