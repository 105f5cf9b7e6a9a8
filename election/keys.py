"""Key pairs of the authority, the office and each device, and how they are stored.

Private keys live in PEM files (PKCS#8, encrypted when a passphrase is given);
public keys travel as base64 of their 32 raw bytes, which is what packages,
certificates and bundles carry.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

PrivateKey = Ed25519PrivateKey | X25519PrivateKey
PublicKey = Ed25519PublicKey | X25519PublicKey


class KeyFileError(ValueError):
    """A key file or encoded key that cannot be used; the message says why."""


def public_text(key: PrivateKey | PublicKey) -> str:
    """The base64 of the raw public key: the form packages and bundles carry."""
    public = key.public_key() if isinstance(key, (Ed25519PrivateKey, X25519PrivateKey)) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public: str) -> str:
    """A short, stable name for a public key, for people comparing two screens."""
    digest = hashlib.sha256(base64.b64decode(public)).hexdigest()[:16]
    return ":".join(digest[i : i + 4] for i in range(0, 16, 4))


def _raw_public(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise KeyFileError(f"{what} is not valid base64") from None
    if len(raw) != 32:
        raise KeyFileError(f"{what} must be 32 bytes, not {len(raw)}")
    return raw


def signing_public(text: str, what: str = "signing key") -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_raw_public(text, what))


def sealing_public(text: str, what: str = "sealing key") -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(_raw_public(text, what))


def write_private(key: PrivateKey, path: Path, passphrase: str | None = None) -> None:
    """Write a private key readable by its owner alone, encrypted if a passphrase is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def read_private(path: Path, passphrase: str | None = None) -> PrivateKey:
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read key file {path}: {error.strerror}") from None
    try:
        key = serialization.load_pem_private_key(
            pem, password=passphrase.encode("utf-8") if passphrase else None
        )
    except TypeError:
        raise KeyFileError(f"{path} is protected by a passphrase; give it") from None
    except ValueError:
        raise KeyFileError(f"{path} is not a key file, or the passphrase is wrong") from None
    if not isinstance(key, (Ed25519PrivateKey, X25519PrivateKey)):
        raise KeyFileError(f"{path} holds a key of an unsupported kind")
    return key


def read_signing_key(path: Path, passphrase: str | None = None) -> Ed25519PrivateKey:
    key = read_private(path, passphrase)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 signing key")
    return key


def read_sealing_key(path: Path, passphrase: str | None = None) -> X25519PrivateKey:
    key = read_private(path, passphrase)
    if not isinstance(key, X25519PrivateKey):
        raise KeyFileError(f"{path} is not an X25519 sealing key")
    return key
