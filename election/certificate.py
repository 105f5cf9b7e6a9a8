"""Device enrolment: a station's request, and the certificate the authority issues for it.

A request is signed by the device's own key (proof that the station holds it);
a certificate is signed by the authority and binds device id, station name,
public key, election and a validity period. The office accepts a station's
records only under a valid certificate that it has not revoked.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import keys
from .package import canonical_json

REQUEST_TYPE = "vallokal-enrolment-request"
CERTIFICATE_TYPE = "vallokal-device-certificate"
VERSION = 1


class CertificateError(ValueError):
    """A request or certificate that must not be trusted; the message says why."""


def _sign(body: Mapping[str, Any], key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.sign(canonical_json(body))).decode("ascii")


def _check(body: Mapping[str, Any], signature: Any, public: str, what: str) -> None:
    try:
        raw = base64.b64decode(signature, validate=True)
        keys.signing_public(public, what).verify(raw, canonical_json(body))
    except (InvalidSignature, ValueError, TypeError):
        raise CertificateError(f"{what}: the signature does not check out") from None


def _body(document: Any, kind: str, fields: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(document, Mapping) or set(document) != {"body", "signature"}:
        raise CertificateError(f"{kind}: expected an object with body and signature")
    body = document["body"]
    if not isinstance(body, Mapping) or body.get("type") != kind or body.get("version") != VERSION:
        raise CertificateError(f"{kind}: unknown type or version")
    if set(body) != {"type", "version", *fields}:
        raise CertificateError(f"{kind}: fields must be exactly {', '.join(sorted(fields))}")
    if not all(isinstance(body[name], str) and body[name] for name in fields):
        raise CertificateError(f"{kind}: every field must be non-empty text")
    return dict(body)


REQUEST_FIELDS = ("device_id", "station_name", "public_key", "election_id", "created")
CERTIFICATE_FIELDS = ("device_id", "station_name", "public_key", "election_id", "not_before", "not_after")


def make_request(device_key: Ed25519PrivateKey, device_id: str, station_name: str, election_id: str, now: datetime) -> dict[str, Any]:
    body = {
        "type": REQUEST_TYPE,
        "version": VERSION,
        "device_id": device_id,
        "station_name": station_name,
        "public_key": keys.public_text(device_key),
        "election_id": election_id,
        "created": now.isoformat(timespec="seconds"),
    }
    return {"body": body, "signature": _sign(body, device_key)}


def read_request(document: Any) -> dict[str, Any]:
    """The request's body, once its self-signature proves the station holds the key."""
    body = _body(document, REQUEST_TYPE, REQUEST_FIELDS)
    _check(body, document["signature"], body["public_key"], "enrolment request")
    return body


@dataclass(frozen=True)
class Certificate:
    device_id: str
    station_name: str
    public_key: str
    election_id: str
    not_before: datetime
    not_after: datetime
    document: Mapping[str, Any]


def issue(request: Mapping[str, Any], authority_key: Ed25519PrivateKey, not_before: datetime, not_after: datetime) -> dict[str, Any]:
    """Sign a certificate for a checked enrolment request."""
    body = {
        "type": CERTIFICATE_TYPE,
        "version": VERSION,
        **{name: request[name] for name in ("device_id", "station_name", "public_key", "election_id")},
        "not_before": not_before.isoformat(timespec="seconds"),
        "not_after": not_after.isoformat(timespec="seconds"),
    }
    return {"body": body, "signature": _sign(body, authority_key)}


def read_certificate(document: Any, authority_public: str, election_id: str, now: datetime) -> Certificate:
    """A certificate the authority signed for this election and that is valid now."""
    body = _body(document, CERTIFICATE_TYPE, CERTIFICATE_FIELDS)
    _check(body, document["signature"], authority_public, "device certificate")
    if body["election_id"] != election_id:
        raise CertificateError(f"device certificate: issued for election {body['election_id']}, not {election_id}")
    try:
        not_before, not_after = (datetime.fromisoformat(body[name]) for name in ("not_before", "not_after"))
    except ValueError:
        raise CertificateError("device certificate: validity dates are not ISO 8601") from None
    if not (not_before <= now <= not_after):
        raise CertificateError(f"device certificate: valid only from {body['not_before']} to {body['not_after']}")
    return Certificate(
        device_id=body["device_id"],
        station_name=body["station_name"],
        public_key=body["public_key"],
        election_id=body["election_id"],
        not_before=not_before,
        not_after=not_after,
        document=document,
    )
