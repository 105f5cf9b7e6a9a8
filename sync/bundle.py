"""The bundle: a device-signed batch of ballot records, as it travels to the office.

On the wire a bundle is gzip-compressed canonical JSON:

    {"body": {"format": "vallokal-bundle", "version": 2, "election_id", "device_id",
              "certificate", "previous_hash", "records": [[sequence, ballot_id, sealed,
              cast_minute, code_hash or null, signature], ...], "closing_report", "created",
              "status": {"zero_report_at", "package_loaded_at", "nonce", "counters"?}},
     "signature": the device's Ed25519 signature over the canonical body}

Version 1 is the same without `status`; the office reads both, since stations
upgrade in place. The status tells the office when the station printed its
zero report and loaded the package (minutes, UTC), so it can hold records cast
before them; the nonce is fresh in every bundle. A status may carry `counters`, the
station's anonymous participation counters so far, per local polling day:
{"2027-03-02": {"ballots": 41, "language:sv": 30, ...}}, totals that only grow; a
station that predates them sends none, and its bundles read as before.

Records travel without the fields the bundle already names (election, device) and
without their previous hash, which the chain gives: the first record's is the
bundle's `previous_hash`, each later one's is the hash of the record before it.
So a bundle whose records were reordered, dropped or altered does not verify.
The same bytes are what `vallokal station export` writes to a file.

The office answers with a signed acknowledgement that names the hash of the
bundle it read, so a station never mistakes a captive portal's 200 for delivery.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..election import keys
from ..election.envelope import BallotRecord, genesis_hash, record_template
from ..election.package import PackageError, canonical_json
from . import fields

FORMAT = "vallokal-bundle"
ACK_TYPE = "vallokal-acknowledgement"
VERSION = 2
VERSIONS = (1, 2)
ACK_VERSION = 1
CONTENT_TYPE = "application/vnd.vallokal.bundle+gzip"
MAX_COMPRESSED_BYTES = 8 * 1024 * 1024
MAX_JSON_BYTES = 32 * 1024 * 1024
MAX_RECORDS = 10_000
PARALLEL_FROM = 64
BODY_FIELDS_V1 = {"format", "version", "election_id", "device_id", "certificate", "previous_hash", "records", "closing_report", "created"}
BODY_FIELDS = BODY_FIELDS_V1 | {"status"}
STATUS_FIELDS = {"zero_report_at", "package_loaded_at", "nonce"}
STATUS_FIELDS_WITH_COUNTERS = STATUS_FIELDS | {"counters"}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COUNTER_NAME = re.compile(r"^[a-z_]{1,20}(:[A-Za-z0-9_.-]{1,64}){0,2}$")
MAX_COUNTER_DAYS = 400
MAX_COUNTERS_PER_DAY = 500
MAX_COUNT = 10_000_000
MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")
NONCE = re.compile(r"^[0-9a-f]{32}$")
USUAL_RECORD = re.compile(r"[0-9a-f]{32}[A-Za-z0-9+/]{86}==[A-Za-z0-9+/]*={0,2}")  # ballot id, signature, sealed, joined
MINUTES_KEPT = 100_000
_known_minutes: set[str] = set()  # minutes that passed fields.minute: a bundle's records share a few


class BundleError(ValueError):
    """A bundle refused whole. `status` is the HTTP status the office answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SignedRecord:
    record: BallotRecord
    signature: str


class RecordRow(NamedTuple):
    """A record as read from a bundle, checked, with the previous hash the chain gives it and its own hash."""

    sequence: int
    ballot_id: str
    sealed: str
    cast_minute: str
    code_hash: str | None
    signature: str
    previous_hash: str
    record_hash: str


@dataclass(frozen=True)
class Bundle:
    election_id: str
    device_id: str
    certificate: Mapping[str, Any]
    rows: tuple[RecordRow, ...]
    closing_report: Mapping[str, Any] | None
    created: str
    body: Mapping[str, Any]
    signature: str
    sha256: str
    status: Mapping[str, Any] | None = None

    @cached_property
    def records(self) -> tuple[SignedRecord, ...]:
        """The rows as signed ballot records (ingest itself works on the rows)."""
        return tuple(
            SignedRecord(BallotRecord(self.election_id, self.device_id, row.sequence, row.ballot_id, row.sealed, row.previous_hash, row.cast_minute,
                                      row.code_hash), row.signature)
            for row in self.rows
        )


def build(
    records: Sequence[SignedRecord],
    certificate: Mapping[str, Any],
    device_key: Ed25519PrivateKey,
    election_id: str,
    device_id: str,
    created: str,
    closing_report: Mapping[str, Any] | None = None,
    status: Mapping[str, Any] | None = None,
) -> bytes:
    """Sign and compress a bundle of consecutive records (possibly none, to carry a closing report or a status).

    With a `status` (zero-report and package-load minutes, a fresh nonce) the
    bundle is version 2, which signs the status with everything else; without
    one it is version 1, as older stations send.
    """
    first_previous = records[0].record.previous_hash if records else genesis_hash(election_id, device_id)
    body = {
        "format": FORMAT,
        "version": VERSION,
        "election_id": election_id,
        "device_id": device_id,
        "certificate": certificate,
        "previous_hash": first_previous,
        "records": [
            [item.record.sequence, item.record.ballot_id, item.record.sealed, item.record.cast_minute, item.record.code_hash, item.signature]
            for item in records
        ],
        "closing_report": closing_report,
        "created": created,
    }
    if status is not None:
        body["version"], body["status"] = 2, dict(status)
    else:
        body["version"] = 1
    document = {"body": body, "signature": base64.b64encode(device_key.sign(canonical_json(body))).decode("ascii")}
    return gzip.compress(canonical_json(document), compresslevel=6, mtime=0)


def decompress(data: bytes) -> bytes:
    """Gunzip with a ceiling, so a small bomb cannot fill the office's memory."""
    if len(data) > MAX_COMPRESSED_BYTES:
        raise BundleError(f"bundle larger than {MAX_COMPRESSED_BYTES // (1024 * 1024)} MiB", 413)
    inflater = zlib.decompressobj(wbits=31)
    try:
        output = inflater.decompress(data, MAX_JSON_BYTES + 1)
    except zlib.error:
        raise BundleError("bundle is not gzip-compressed", 400) from None
    if len(output) > MAX_JSON_BYTES or inflater.unconsumed_tail:
        raise BundleError(f"bundle expands beyond {MAX_JSON_BYTES // (1024 * 1024)} MiB", 413)
    if not inflater.eof:
        raise BundleError("bundle is cut short", 400)
    if inflater.unused_data:
        raise BundleError("bundle has bytes after its end (trailing data or a second gzip member)", 400)
    return output


def read(data: bytes) -> Bundle:
    """Parse a bundle's bytes and check its shape; signatures are checked by `verify`."""
    raw = decompress(data)
    try:
        document = json.loads(raw.decode("utf-8"), parse_int=fields.bounded_integer, parse_float=fields.no_decimals, parse_constant=fields.no_decimals)
    except fields.FieldError as error:
        raise BundleError(f"bundle: {error}", 400) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BundleError("bundle is not valid JSON", 400) from None
    if not isinstance(document, dict) or set(document) != {"body", "signature"}:
        raise BundleError("bundle must be an object with body and signature", 400)
    body, signature = document["body"], document["signature"]
    if not isinstance(body, dict) or not isinstance(signature, str):
        raise BundleError("bundle body must be an object and its signature text", 400)
    if body.get("format") != FORMAT or body.get("version") not in VERSIONS or isinstance(body.get("version"), bool):
        raise BundleError(f"unknown bundle format or version (this office reads {FORMAT} {' and '.join(map(str, VERSIONS))})", 400)
    expected = BODY_FIELDS if body["version"] == 2 else BODY_FIELDS_V1
    if set(body) != expected:
        raise BundleError(f"bundle body must have exactly the fields {', '.join(sorted(expected))}", 400)
    status = read_status(body["status"]) if body["version"] == 2 else None
    for name in ("election_id", "device_id", "previous_hash", "created"):
        if not isinstance(body[name], str):
            raise BundleError(f"bundle {name} must be text", 400)
    try:
        fields.short_text(body["election_id"], "bundle election_id", 64)
        fields.identifier(body["device_id"], "bundle device_id")
        fields.sha256_hex(body["previous_hash"], "bundle previous_hash")
        fields.short_text(body["created"], "bundle created", 40)
        if isinstance(body["closing_report"], dict):
            fields.closing_report(body["closing_report"])
    except fields.FieldError as error:
        raise BundleError(str(error), 400) from None
    if not isinstance(body["certificate"], dict):
        raise BundleError("bundle certificate must be an object", 400)
    if body["closing_report"] is not None and not isinstance(body["closing_report"], dict):
        raise BundleError("bundle closing_report must be an object or null", 400)
    records_in = body["records"]
    if not isinstance(records_in, list):
        raise BundleError("bundle records must be a list", 400)
    if len(records_in) > MAX_RECORDS:
        raise BundleError(f"bundle holds more than {MAX_RECORDS} records", 413)
    rows_read = read_records(records_in, body["election_id"], body["device_id"], body["previous_hash"])
    return Bundle(
        election_id=body["election_id"],
        device_id=body["device_id"],
        certificate=body["certificate"],
        rows=rows_read,
        closing_report=body["closing_report"],
        created=body["created"],
        body=body,
        signature=signature,
        sha256=hashlib.sha256(raw).hexdigest(),
        status=status,
    )


def read_records(rows: list[Any], election_id: str, device_id: str, previous_hash: str) -> tuple[RecordRow, ...]:
    """Check every field of every record (`fields.record_fields`), their order and ballot ids, and hash the chain.

    Thousands a second at ingest: a record whose fields have the usual shape is
    checked by one pattern and a few comparisons, which accept only what
    `fields.record_fields` accepts; any other is asked the field rules one by
    one, which name what is wrong. The hashes are those of `BallotRecord.hash`.
    """
    template = record_template(election_id, device_id)
    sha256 = hashlib.sha256
    largest = fields.LARGEST_SEQUENCE
    usual = USUAL_RECORD.fullmatch
    minutes = _known_minutes
    ballot_ids: set[str] = set()
    made: list[RecordRow] = []
    previous, expected = previous_hash, None
    for index, row in enumerate(rows):
        if type(row) is not list or len(row) != 6:
            raise BundleError(f"record {index}: must be a list of six fields", 400)
        sequence, ballot_id, sealed, cast_minute, code_hash, signature = row
        if not (type(sequence) is int and 0 < sequence <= largest and type(ballot_id) is type(sealed) is type(signature) is type(cast_minute) is str
                and (code_hash is None or (type(code_hash) is str and len(code_hash) == 64 and fields.HASH.fullmatch(code_hash)))
                and len(ballot_id) == 32 and len(signature) == 88 and 84 <= len(sealed) <= fields.SEALED_MAX_CHARACTERS and not len(sealed) % 4
                and cast_minute in minutes and usual(ballot_id + signature + sealed)):
            try:
                fields.record_fields(row)
            except fields.FieldError as error:
                raise BundleError(f"record {index}: {error}", 400) from None
            if len(minutes) < MINUTES_KEPT:
                minutes.add(cast_minute)
        if ballot_id in ballot_ids:
            raise BundleError(f"record {index}: ballot id {ballot_id} appears twice in the bundle")
        ballot_ids.add(ballot_id)
        if expected is not None and sequence != expected:
            raise BundleError(f"record {index}: sequence {sequence} does not follow {expected - 1}")
        expected = sequence + 1
        if template is None:
            record_hash = BallotRecord(election_id, device_id, sequence, ballot_id, sealed, previous, cast_minute, code_hash).hash
        else:
            code = "" if code_hash is None else f'"code_hash":"{code_hash}",'
            record_hash = sha256(template.format(ballot_id, cast_minute, code, previous, sealed, sequence).encode()).hexdigest()
        made.append(RecordRow(sequence, ballot_id, sealed, cast_minute, code_hash, signature, previous, record_hash))
        previous = record_hash
    return tuple(made)


def read_status(status: Any) -> dict[str, Any]:
    """A station's signed status: when it printed its zero report and loaded the package (minutes, UTC, or null), and a nonce."""
    if not isinstance(status, dict) or set(status) not in (STATUS_FIELDS, STATUS_FIELDS_WITH_COUNTERS):
        raise BundleError(f"bundle status must have exactly the fields {', '.join(sorted(STATUS_FIELDS))} (and counters, if any)", 400)
    for name in ("zero_report_at", "package_loaded_at"):
        if status[name] is not None and not (isinstance(status[name], str) and MINUTE.match(status[name])):
            raise BundleError(f"bundle status {name} must be a minute such as 2026-05-01T08:00Z, or null", 400)
    if not (isinstance(status["nonce"], str) and NONCE.match(status["nonce"])):
        raise BundleError("bundle status nonce must be 32 lowercase hex digits", 400)
    if "counters" in status:
        read_counters(status["counters"])
    return dict(status)


def read_counters(counters: Any) -> None:
    """Counters per local day: at most MAX_COUNTER_DAYS days of MAX_COUNTERS_PER_DAY names, each a whole number."""
    if not isinstance(counters, dict) or len(counters) > MAX_COUNTER_DAYS:
        raise BundleError(f"bundle status counters must be an object of at most {MAX_COUNTER_DAYS} days", 400)
    for day, named in counters.items():
        try:
            valid_day = bool(DAY.match(day)) and date.fromisoformat(day) is not None
        except ValueError:
            valid_day = False
        if not valid_day:
            raise BundleError(f"bundle status counters: {day[:20]!r} is not a day such as 2027-03-02", 400)
        if not isinstance(named, dict) or len(named) > MAX_COUNTERS_PER_DAY:
            raise BundleError(f"bundle status counters for {day}: must be an object of at most {MAX_COUNTERS_PER_DAY} counters", 400)
        for name, count in named.items():
            if not COUNTER_NAME.match(name):
                raise BundleError(f"bundle status counters for {day}: {name[:80]!r} is not a counter name", 400)
            if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
                raise BundleError(f"bundle status counters for {day}: {name} must be a whole number from 0 to {MAX_COUNT}", 400)


def verify(bundle: Bundle, device_public: str, executor: Executor | None = None, records: bool = True) -> None:
    """Check the bundle's signature and (unless `records` is false) every record's, all by the certified device key.

    The bundle's signature covers every field of every record, so without
    `records` the office knows the device sent them; each record's own
    signature is then checked later by the office's verifier.

    The chain inside the bundle already holds by construction (see `read`);
    where the first record joins what the office has is the office's check.
    With an executor, the record signatures are checked in parallel chunks
    (Ed25519 verification is most of the cost of ingest).
    """
    public = keys.signing_public(device_public, "device key")
    _verify(public, bundle.signature, canonical_json(bundle.body, checked=False), "bundle")
    if bundle.rows and bundle.rows[0].sequence == 1 and bundle.body["previous_hash"] != genesis_hash(bundle.election_id, bundle.device_id):
        raise BundleError("record 1 does not start the device's chain")
    if not records:
        return
    pairs = [(row.signature, row.record_hash) for row in bundle.rows]
    workers = getattr(executor, "_max_workers", 1) if executor is not None else 1
    if executor is None or workers < 2 or len(pairs) < PARALLEL_FROM:
        failed = verify_records(device_public, pairs)
    else:
        size = -(-len(pairs) // workers)
        chunks = [pairs[start : start + size] for start in range(0, len(pairs), size)]
        results = list(executor.map(verify_records, [device_public] * len(chunks), chunks))
        failed = next((index * size + result for index, result in enumerate(results) if result >= 0), -1)
    if failed >= 0:
        raise BundleError(f"record {bundle.rows[failed].sequence}: the signature is not the device's (altered or forged)")


def verify_records(device_public: str, pairs: Sequence[tuple[str, str]]) -> int:
    """The index of the first (signature, record hash) pair that does not verify, or -1."""
    public = keys.signing_public(device_public, "device key")
    for index, (signature, record_hash) in enumerate(pairs):
        try:
            public.verify(base64.b64decode(signature, validate=True), bytes.fromhex(record_hash))
        except (InvalidSignature, ValueError):
            return index
    return -1


def failed_records(device_public: str, pairs: Sequence[tuple[str, str]]) -> list[int]:
    """The indexes of every (signature, record hash) pair that does not verify; a pool can run it."""
    verify = _device_key(device_public).verify
    decode, from_hex = base64.b64decode, bytes.fromhex
    failed = []
    for index, (signature, record_hash) in enumerate(pairs):
        try:
            verify(decode(signature, validate=True), from_hex(record_hash))
        except (InvalidSignature, ValueError):
            failed.append(index)
    return failed


@functools.lru_cache(maxsize=1024)
def _device_key(device_public: str) -> Ed25519PublicKey:
    """A device's key object, made once per verifier process and device rather than once per batch."""
    return keys.signing_public(device_public, "device key")


def _verify(public: Ed25519PublicKey, signature: str, message: bytes, what: str) -> None:
    try:
        public.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        raise BundleError(f"{what}: the signature is not the device's (altered or forged)") from None


def office_sign(body: Mapping[str, Any], office_key: Ed25519PrivateKey) -> dict[str, Any]:
    """An answer of the office that a station can trust whatever sits between them."""
    return {"body": dict(body), "signature": base64.b64encode(office_key.sign(canonical_json(body))).decode("ascii")}


def office_verify(document: Any, office_public: str) -> dict[str, Any]:
    """The body of an answer, if the office signed it; a proxy's or portal's page is refused."""
    if not isinstance(document, dict) or set(document) != {"body", "signature"} or not isinstance(document["body"], dict):
        raise BundleError("the answer is not the office's", 502)
    try:
        signature = base64.b64decode(document["signature"], validate=True)
        keys.signing_public(office_public, "office key").verify(signature, canonical_json(document["body"]))
    except (InvalidSignature, ValueError, TypeError, PackageError):
        raise BundleError("the answer is not signed by the office", 502) from None
    return document["body"]


def make_ack(
    bundle_sha256: str, election_id: str, device_id: str, results: Sequence[Mapping[str, Any]], high_water: int, office_key: Ed25519PrivateKey
) -> dict[str, Any]:
    """The office's signed answer: per-record outcomes and where the device should resume."""
    body = {
        "type": ACK_TYPE,
        "version": ACK_VERSION,
        "bundle_sha256": bundle_sha256,
        "election_id": election_id,
        "device_id": device_id,
        "results": list(results),
        "high_water": high_water,
    }
    return office_sign(body, office_key)


def read_ack(document: Any, office_public: str, bundle_sha256: str, device_id: str) -> dict[str, Any]:
    """Trust an acknowledgement only if the office signed it for exactly this bundle."""
    body = office_verify(document, office_public)
    if body.get("type") != ACK_TYPE or body.get("bundle_sha256") != bundle_sha256 or body.get("device_id") != device_id:
        raise BundleError("acknowledgement is for another bundle or device", 502)
    if not isinstance(body.get("high_water"), int):
        raise BundleError("acknowledgement has no high-water mark", 502)
    return body


def bundle_hash(data: bytes) -> str:
    """The hash an acknowledgement must name: of the bundle's JSON, not of its compression."""
    return hashlib.sha256(decompress(data)).hexdigest()
