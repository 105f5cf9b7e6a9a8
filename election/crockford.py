"""Crockford base32 codes with a check character, for people to read and type.

Used for receipt tracking codes and voting codes: no I, L, O or U to confuse,
case and hyphens ignored when typed, and a mod-37 check symbol that catches any
single mistyped character or swapped neighbours before anything is looked up.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
_DECODE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_DECODE.update({"O": 0, "I": 1, "L": 1})
_CHECK_DECODE = {symbol: value for value, symbol in enumerate(CHECK_ALPHABET)}


class CodeError(ValueError):
    """A typed code that cannot be right; the message says what is wrong."""


def encode(data: bytes, length: int, offset: int = 0) -> str:
    """`length` symbols of `data`, read as a big-endian bit string from bit `offset`."""
    number = int.from_bytes(data, "big")
    total_bits = len(data) * 8
    if offset + length * 5 > total_bits:
        raise ValueError("not enough bytes for that many symbols")
    number >>= total_bits - offset - length * 5
    symbols = []
    for _ in range(length):
        symbols.append(ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(symbols))


def check_symbol(symbols: str) -> str:
    value = 0
    for symbol in symbols:
        value = value * 32 + _DECODE[symbol]
    return CHECK_ALPHABET[value % 37]


def group(code: str, size: int = 4) -> str:
    return "-".join(code[i : i + size] for i in range(0, len(code), size))


def make_code(data: bytes, length: int, group_size: int = 4) -> str:
    """A grouped code of `length` data symbols plus one check symbol.

    Crockford's check symbols include *~$=U, which are hard to read aloud or
    type on a tablet; the code is taken from the first 5-bit window of `data`
    whose check symbol is a plain one, so it stays a pure function of `data`.
    """
    for offset in range(0, len(data) * 8 - length * 5 + 1, 5):
        symbols = encode(data, length, offset)
        check = check_symbol(symbols)
        if check in ALPHABET:
            return group(symbols + check, group_size)
    raise ValueError("no window of these bytes gives a plain check symbol; use more bytes")


def normalize(typed: str, length: int) -> str:
    """The canonical form of a typed code, checked; raises CodeError if mistyped.

    `length` counts the data symbols; the check symbol comes on top.
    """
    cleaned = "".join(typed.split()).replace("-", "").upper()
    if not cleaned:
        raise CodeError("empty")
    if len(cleaned) != length + 1:
        raise CodeError("length")
    data, check = cleaned[:-1], cleaned[-1]
    try:
        canonical = "".join(ALPHABET[_DECODE[symbol]] for symbol in data)
    except KeyError:
        raise CodeError("symbol") from None
    if check in ("O", "I", "L"):
        check = ALPHABET[_DECODE[check]]
    if check not in _CHECK_DECODE or check_symbol(canonical) != check:
        raise CodeError("check")
    return canonical + check
