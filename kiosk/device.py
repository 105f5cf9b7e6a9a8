"""The device's own Ed25519 key: it signs every ballot record this station makes."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..election import keys

KEY_FILE = "device-key.pem"


def device_id_for(key: Ed25519PrivateKey) -> str:
    """A device id derived from its public key, so an id cannot be claimed by another key."""
    return "dev-" + hashlib.sha256(base64.b64decode(keys.public_text(key))).hexdigest()[:12]


def load_or_create(folder: Path) -> Ed25519PrivateKey:
    """Read the device key from the data folder, creating it on the first start."""
    path = folder / KEY_FILE
    if not path.exists():
        keys.write_private(Ed25519PrivateKey.generate(), path)
    return keys.read_signing_key(path)
