"""A station's closing report, signed by its device: how many records it holds and the root over their hashes.

The office publishes this report with the station's sorted record hashes, so
anyone can check that the office added or dropped nothing the station signed.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import keys
from .package import canonical_json


class ClosingError(ValueError):
    """A closing report that is not the device's, or not a closing report."""


# What the signature covers, and all a publication shows: not the chain head, which would single out the last record cast.
SIGNED_FIELDS = ("report", "station", "device_id", "election_id", "package_sha256", "ballots_cast", "merkle_root", "at")


def body(report: Mapping[str, Any]) -> dict[str, Any]:
    return {name: report.get(name) for name in SIGNED_FIELDS}


def sign(report: Mapping[str, Any], device_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The report with the device's signature over its signed fields' canonical JSON."""
    return {**report, "signature": base64.b64encode(device_key.sign(canonical_json(body(report), checked=False))).decode("ascii")}


def published(report: Mapping[str, Any]) -> dict[str, Any]:
    """The signed fields and the signature alone, as a publication shows them."""
    return {**body(report), "signature": report.get("signature")}


def verify(report: Any, device_public: str) -> None:
    """Raise ClosingError unless `report` is a closing report the device signed."""
    if not isinstance(report, Mapping) or report.get("report") != "closing" or not isinstance(report.get("signature"), str):
        raise ClosingError("not a signed closing report")
    try:
        signature = base64.b64decode(report["signature"], validate=True)
        keys.signing_public(device_public, "device key").verify(signature, canonical_json(body(report), checked=False))
    except (InvalidSignature, ValueError, TypeError):
        raise ClosingError("the closing report's signature is not the device's (altered or forged)") from None
