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


def body(report: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in report.items() if name != "signature"}


def sign(report: Mapping[str, Any], device_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The report with the device's signature over its canonical JSON."""
    unsigned = body(report)
    return {**unsigned, "signature": base64.b64encode(device_key.sign(canonical_json(unsigned, checked=False))).decode("ascii")}


def verify(report: Any, device_public: str) -> None:
    """Raise ClosingError unless `report` is a closing report the device signed."""
    if not isinstance(report, Mapping) or report.get("report") != "closing" or not isinstance(report.get("signature"), str):
        raise ClosingError("not a signed closing report")
    try:
        signature = base64.b64decode(report["signature"], validate=True)
        keys.signing_public(device_public, "device key").verify(signature, canonical_json(body(report), checked=False))
    except (InvalidSignature, ValueError, TypeError):
        raise ClosingError("the closing report's signature is not the device's (altered or forged)") from None
