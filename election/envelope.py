"""Sealed ballots and the signed, chained records that carry them.

Choices are sealed to the office's X25519 key: an ephemeral key pair per
ballot, HKDF-SHA256 over the shared secret, AES-256-GCM with the record's ids
as associated data, so a sealed ballot cannot be moved to another election,
device or ballot id. The plaintext is padded to a fixed block so that its
length does not tell how many projects were chosen.

Each record names the hash of the one before it on the same device (the first
names a genesis hash derived from election and device), is hashed as canonical
JSON and signed by the device's Ed25519 key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import crockford, keys
from .package import canonical_json

SEAL_VERSION = 1
RECORD_VERSION = 1
PADDING_BLOCK = 64
HKDF_INFO = b"vallokal/ballot-seal/v1"
TRACKING_SYMBOLS = 11


class EnvelopeError(ValueError):
    """A sealed ballot or record that does not check out; the message says which check failed."""


def _associated(election_id: str, device_id: str, ballot_id: str) -> bytes:
    return canonical_json({"ballot": ballot_id, "device": device_id, "election": election_id})


def _derive(shared: bytes, ephemeral_public: bytes, office_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + office_public, info=HKDF_INFO
    ).derive(shared)


def seal(choices: Mapping[str, Any], office_public: str, election_id: str, device_id: str, ballot_id: str) -> str:
    """Encrypt `choices` so that only the holder of the office's sealing key can read them."""
    plaintext = canonical_json(choices)
    padded_length = max(PADDING_BLOCK, -(-len(plaintext) // PADDING_BLOCK) * PADDING_BLOCK)
    plaintext += b" " * (padded_length - len(plaintext))
    office = keys.sealing_public(office_public, "office sealing key")
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = base64.b64decode(keys.public_text(ephemeral))
    key = _derive(ephemeral.exchange(office), ephemeral_public, base64.b64decode(office_public))
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _associated(election_id, device_id, ballot_id))
    return base64.b64encode(bytes([SEAL_VERSION]) + ephemeral_public + nonce + ciphertext).decode("ascii")


def open_sealed(sealed: str, office_key: X25519PrivateKey, election_id: str, device_id: str, ballot_id: str) -> dict[str, Any]:
    """Decrypt a sealed ballot; raises EnvelopeError if it was altered or belongs elsewhere."""
    return Opener(office_key, election_id).open(sealed, device_id, ballot_id)


class Opener:
    """Opens many sealed ballots of one election with one key: what does not change from ballot to ballot is made once."""

    def __init__(self, office_key: X25519PrivateKey, election_id: str) -> None:
        self.office_key = office_key
        self.office_public = office_key.public_key().public_bytes_raw()
        self.election_id = election_id

    def open(self, sealed: str, device_id: str, ballot_id: str) -> dict[str, Any]:
        """As `open_sealed`."""
        try:
            raw = base64.b64decode(sealed, validate=True)
        except (ValueError, TypeError):
            raise EnvelopeError("sealed ballot is not base64") from None
        if len(raw) < 1 + 32 + 12 + 16 or raw[0] != SEAL_VERSION:
            raise EnvelopeError("sealed ballot has an unknown format")
        ephemeral_public, nonce, ciphertext = raw[1:33], raw[33:45], raw[45:]
        try:
            shared = self.office_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
            key = _derive(shared, ephemeral_public, self.office_public)
            plaintext = AESGCM(key).decrypt(nonce, ciphertext, self.associated(device_id, ballot_id))
        except (InvalidTag, ValueError):
            raise EnvelopeError("sealed ballot does not open: altered, or sealed for another record or office") from None
        try:
            choices = json.loads(plaintext.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise EnvelopeError("sealed ballot holds no readable choices") from None
        if not isinstance(choices, dict):
            raise EnvelopeError("sealed ballot holds no readable choices")
        return choices

    def associated(self, device_id: str, ballot_id: str) -> bytes:
        """`_associated`'s bytes, written out directly when no text needs escaping (a count opens a million)."""
        if type(device_id) is str and type(ballot_id) is str and _needs_no_escape(ballot_id + device_id + self.election_id):
            return f'{{"ballot":"{ballot_id}","device":"{device_id}","election":"{self.election_id}"}}'.encode("ascii")
        return _associated(self.election_id, device_id, ballot_id)


def new_ballot_id() -> str:
    return os.urandom(16).hex()


def cast_minute(moment: datetime) -> str:
    """The cast time to the minute in UTC: enough for turnout per hour, too coarse to order voters."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def genesis_hash(election_id: str, device_id: str) -> str:
    """What the first record of a device's chain names as its predecessor."""
    body = {"chain": f"vallokal/{RECORD_VERSION}", "device": device_id, "election": election_id}
    return hashlib.sha256(canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class BallotRecord:
    election_id: str
    device_id: str
    sequence: int
    ballot_id: str
    sealed: str
    previous_hash: str
    cast_minute: str
    code_hash: str | None = None

    def body(self) -> dict[str, Any]:
        body = {
            "version": RECORD_VERSION,
            "election_id": self.election_id,
            "device_id": self.device_id,
            "sequence": self.sequence,
            "ballot_id": self.ballot_id,
            "sealed": self.sealed,
            "previous_hash": self.previous_hash,
            "cast_minute": self.cast_minute,
        }
        if self.code_hash is not None:
            body["code_hash"] = self.code_hash
        return body

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the canonical body; its fields are text and one integer by construction."""
        return hashlib.sha256(self.canonical()).hexdigest()

    def canonical(self) -> bytes:
        """The canonical JSON of the body: written out directly when no text needs escaping (ingest hashes
        thousands a second), else by `canonical_json`; the same bytes either way."""
        texts = (self.ballot_id, self.cast_minute, self.code_hash or "", self.device_id, self.election_id, self.previous_hash, self.sealed)
        if type(self.sequence) is not int or not all(type(text) is str for text in texts) or not _needs_no_escape("".join(texts)):
            return canonical_json(self.body(), checked=False)
        template = record_template(self.election_id, self.device_id)
        return template.format(self.ballot_id, self.cast_minute, code_field(self.code_hash), self.previous_hash, self.sealed, self.sequence).encode("ascii")

    def sign(self, device_key: Ed25519PrivateKey) -> str:
        return base64.b64encode(device_key.sign(bytes.fromhex(self.hash))).decode("ascii")

    def verify(self, signature: str, device_public: str) -> None:
        """Raise EnvelopeError unless `signature` is the device's over this record's hash."""
        try:
            raw = base64.b64decode(signature, validate=True)
            keys.signing_public(device_public, "device key").verify(raw, bytes.fromhex(self.hash))
        except (InvalidSignature, ValueError):
            raise EnvelopeError(f"record {self.sequence}: the signature is not the device's") from None

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> BallotRecord:
        """Read a record as it travels; raises EnvelopeError for any field out of place."""
        if not isinstance(body, Mapping) or body.get("version") != RECORD_VERSION:
            raise EnvelopeError("record: unknown version")
        expected = {"election_id", "device_id", "sequence", "ballot_id", "sealed", "previous_hash", "cast_minute", "version"}
        extra = set(body) - expected - {"code_hash"}
        missing = expected - set(body)
        if extra or missing:
            raise EnvelopeError(f"record: unexpected fields {sorted(extra)} or missing {sorted(missing)}")
        sequence = body["sequence"]
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
            raise EnvelopeError("record: sequence must be a positive whole number")
        text_fields = ("election_id", "device_id", "ballot_id", "sealed", "previous_hash", "cast_minute")
        if not all(isinstance(body[name], str) for name in text_fields):
            raise EnvelopeError("record: fields must be text")
        code_hash = body.get("code_hash")
        if code_hash is not None and not isinstance(code_hash, str):
            raise EnvelopeError("record: code_hash must be text")
        return cls(**{name: body[name] for name in expected - {"version"}}, code_hash=code_hash)


@functools.lru_cache(maxsize=256)
def record_template(election_id: str, device_id: str) -> str | None:
    """A record's canonical JSON as a `str.format` template of (ballot_id, cast_minute, code_field, previous_hash,
    sealed, sequence), for a device's records whose texts need no escaping; None if the ids themselves need it.

    Ingest hashes every record of a bundle this way, one format call each.
    """
    if not _needs_no_escape(election_id + device_id):
        return None
    election, device = (text.replace("{", "{{").replace("}", "}}") for text in (election_id, device_id))
    return ('{{"ballot_id":"{}","cast_minute":"{}",{}"device_id":"' + device + '","election_id":"' + election
            + '","previous_hash":"{}","sealed":"{}","sequence":{},"version":' + str(RECORD_VERSION) + "}}")


def code_field(code_hash: str | None) -> str:
    """The code-hash member of a record's canonical JSON, with its comma, or nothing without a code."""
    return "" if code_hash is None else f'"code_hash":"{code_hash}",'


def _needs_no_escape(text: str) -> bool:
    """Text that JSON writes as it is: printable ASCII without quote or backslash."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def verify_chain(records: Iterable[BallotRecord], after_hash: str | None = None) -> str | None:
    """Check that records link up in sequence; returns the head hash (None when empty).

    `after_hash` is the hash the first record must name: the genesis hash when
    the chain starts at sequence 1, or a known earlier head.
    """
    previous = after_hash
    expected_sequence = None
    head = None
    for record in records:
        if previous is None:
            previous = genesis_hash(record.election_id, record.device_id) if record.sequence == 1 else record.previous_hash
        if expected_sequence is not None and record.sequence != expected_sequence:
            raise EnvelopeError(f"record {record.sequence}: expected sequence {expected_sequence}")
        if record.previous_hash != previous:
            raise EnvelopeError(f"record {record.sequence}: does not link to the record before it")
        previous = head = record.hash
        expected_sequence = record.sequence + 1
    return head


def tracking_code(record_hash: str) -> str:
    """The voter's receipt: 11 symbols of the record hash and a check symbol, as XXXX-XXXX-XXXX."""
    return crockford.make_code(bytes.fromhex(record_hash), TRACKING_SYMBOLS)
