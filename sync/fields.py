"""The documented shape of every field a station sends, checked before anything is stored or counted.

One set of rules for both ends of a record's life: `bundle.read` refuses a bundle
whose fields break them (4xx, nothing stored), and the count asks `record_problem`
of every stored record, so a record that slipped in before these rules existed is
counted invalid with its reason instead of stopping the count.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

LARGEST_SEQUENCE = 2**53 - 1
LARGEST_DIGITS = 20
DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
BALLOT_ID = re.compile(r"[0-9a-f]{32}")
HASH = re.compile(r"[0-9a-f]{64}")
MINUTE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})Z", re.ASCII)
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
SIGNATURE_CHARACTERS = 88
SEALED_MIN_BYTES = 1 + 32 + 12 + 16
SEALED_MAX_CHARACTERS = 16 * 1024
SHORT_TEXT = 200


class FieldError(ValueError):
    """A field out of its documented shape; the message names the field and the rule."""


def bounded_integer(text: str) -> int:
    """`json.loads`'s parse_int: refuse absurdly long numbers before Python turns them into integers."""
    digits = text.lstrip("-")
    if len(digits) > LARGEST_DIGITS:
        raise FieldError(f"a number of {len(digits)} digits; no field takes more than {LARGEST_DIGITS}")
    return int(text)


def no_decimals(text: str) -> float:
    """`json.loads`'s parse_float and parse_constant: no field of a bundle is a decimal."""
    raise FieldError(f"the number {text[:30]} is not a whole number; no field of a bundle is a decimal")


def identifier(value: Any, name: str) -> str:
    """An id of letters, digits, '.', '_', '-' (at most 64, no '..'), or FieldError."""
    if not isinstance(value, str) or not DEVICE_ID.fullmatch(value) or ".." in value:
        raise FieldError(f"{name} must be 1–64 letters, digits, '.', '_' or '-' (no '..'), starting with a letter or digit")
    return value


def short_text(value: Any, name: str, longest: int = SHORT_TEXT) -> str:
    if not isinstance(value, str) or len(value) > longest or "\x00" in value:
        raise FieldError(f"{name} must be text of at most {longest} characters, without NUL")
    return value


def sequence(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= LARGEST_SEQUENCE:
        raise FieldError(f"sequence must be a whole number from 1 to {LARGEST_SEQUENCE} (2^53 - 1)")
    return value


def ballot_id(value: Any) -> str:
    if not isinstance(value, str) or not BALLOT_ID.fullmatch(value):
        raise FieldError("ballot_id must be 32 lowercase hexadecimal digits")
    return value


def sha256_hex(value: Any, name: str) -> str:
    if not isinstance(value, str) or not HASH.fullmatch(value):
        raise FieldError(f"{name} must be 64 lowercase hexadecimal digits (a SHA-256)")
    return value


def minute(value: Any, name: str = "cast_minute") -> str:
    """A UTC minute written YYYY-MM-DDTHH:MMZ that is a real moment (no 25:61, no 30 February)."""
    if not (isinstance(value, str) and _is_minute(value)):
        raise FieldError(f"{name} must be a UTC minute such as 2026-11-22T10:07Z")
    return value


@functools.lru_cache(maxsize=4096)
def _is_minute(text: str) -> bool:
    """Cached: a bundle's records share a few minutes, and ingest checks thousands a second."""
    found = MINUTE.fullmatch(text)
    if found is None:
        return False
    try:
        datetime(*(int(part) for part in found.groups()))
    except ValueError:
        return False
    return True


def base64_text(value: Any, name: str, shortest: int, longest: int) -> str:
    """Strict base64 (no spaces, no NUL) that decodes to at least `shortest` bytes, within `longest` characters."""
    if not isinstance(value, str) or len(value) > longest or len(value) % 4 or not BASE64.fullmatch(value):
        raise FieldError(f"{name} must be base64 of at most {longest} characters")
    decoded = len(value) // 4 * 3 - (len(value) - len(value.rstrip("=")))  # what b64decode would give, without decoding
    if decoded < shortest:
        raise FieldError(f"{name} is too short to be what it claims ({decoded} bytes)")
    return value


def sealed(value: Any) -> str:
    return base64_text(value, "sealed", SEALED_MIN_BYTES, SEALED_MAX_CHARACTERS)


def signature(value: Any) -> str:
    if not isinstance(value, str) or len(value) != SIGNATURE_CHARACTERS:
        raise FieldError("signature must be base64 of an Ed25519 signature (88 characters)")
    return base64_text(value, "signature", 64, SIGNATURE_CHARACTERS)


def code_hash(value: Any) -> str | None:
    return None if value is None else sha256_hex(value, "code_hash")


def record_fields(row: list[Any]) -> None:
    """Every field of a record as it travels: [sequence, ballot_id, sealed, cast_minute, code_hash, signature]."""
    number, ballot, sealed_text, cast, code, record_signature = row
    sequence(number)
    ballot_id(ballot)
    sealed(sealed_text)
    minute(cast)
    code_hash(code)
    signature(record_signature)


def closing_report(report: Mapping[str, Any]) -> None:
    """The fields of a closing report the office uses; anything else in it is only kept as sent."""
    if "ballots_cast" in report:
        count = report["ballots_cast"]
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= LARGEST_SEQUENCE:
            raise FieldError(f"closing_report.ballots_cast must be a whole number from 0 to {LARGEST_SEQUENCE}")
    if report.get("chain_head") is not None:
        sha256_hex(report["chain_head"], "closing_report.chain_head")
    if "at" in report:
        short_text(report["at"], "closing_report.at", 40)


def record_problem(device_id: Any, sequence_number: Any, ballot: Any, sealed_text: Any, cast: Any, code: Any) -> str | None:
    """Why a stored record cannot be counted, or None: the count's question about each record."""
    checks = (
        lambda: identifier(device_id, "device_id"),
        lambda: sequence(sequence_number),
        lambda: ballot_id(ballot),
        lambda: sealed(sealed_text),
        lambda: minute(cast),
        lambda: code_hash(code),
    )
    for check in checks:
        try:
            check()
        except FieldError as error:
            return f"malformed: {error}"[:200]
    return None
