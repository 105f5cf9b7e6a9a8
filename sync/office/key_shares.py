"""The sealing key held by the election board as k-of-n shares, and opening it for a count.

With shares no whole copy of the sealing key is kept: the data folder holds it
only wrapped under a key that k board members' shares rebuild. The authority's
signing key keeps its own passphrase. `--shares 1` keeps the single passphrase,
for a trial; the protocol then says that one person could open the ballots.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ...election import keys, shares as sharing
from ...web import TEMPLATES
from ...web.qr import qr_svg
from . import authority, store
from .counting import CountError
from .models import Count

SHARED_KEY_FILE = "office-sealing-shares.json"
PASSPHRASE_HOLDER = "one passphrase (trial: no board split)"


@dataclass(frozen=True)
class Board:
    """Who holds the shares of this office's sealing key, and how many open it."""

    threshold: int
    holders: dict[int, str]
    wrapped: str
    public: str


def shared_key_file(folder: Path) -> Path:
    return folder / SHARED_KEY_FILE


def create_keys(
    folder: Path, passphrase: str, office_signing_public: str, holders: list[str], threshold: int
) -> tuple[dict[str, str], list[tuple[str, sharing.Share]]]:
    """The authority's signing key (under its passphrase) and a sealing key split among `holders`."""
    files = authority.key_files(folder)
    for path in (files.signing, files.sealing, shared_key_file(folder)):
        if path.exists():
            raise authority.AuthorityError(f"{path} already exists; keys are made once per election. Move it away first if you really mean to start again.")
    if len(passphrase) < authority.MIN_PASSPHRASE:
        raise authority.AuthorityError(f"the passphrase must have at least {authority.MIN_PASSPHRASE} characters")
    sealing = X25519PrivateKey.generate()
    split = split_sealing_key(folder, sealing, holders, threshold)
    signing = Ed25519PrivateKey.generate()
    keys.write_private(signing, files.signing, passphrase)
    public = {"authority_signing": keys.public_text(signing), "office_sealing": keys.public_text(sealing), "office_signing": office_signing_public}
    files.public.write_text(json.dumps(public, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return public, split


def split_sealing_key(folder: Path, sealing: X25519PrivateKey, holders: list[str], threshold: int) -> list[tuple[str, sharing.Share]]:
    """Write the sealing key wrapped, with its board, and return each holder's share; the whole key is not written."""
    if len(set(holders)) != len(holders) or not all(name.strip() for name in holders):
        raise authority.AuthorityError("every board member needs a name of their own")
    try:
        split = sharing.split(_raw(sealing), len(holders), threshold)
    except sharing.ShareError as error:
        raise authority.AuthorityError(str(error)) from None
    board = {
        "version": 1,
        "public": keys.public_text(sealing),
        "threshold": threshold,
        "holders": {str(share.index): name for share, name in zip(split.shares, holders)},
        "wrapped": split.wrapped,
        "wrap": "AES key wrap (RFC 3394) under an AES-128 key split by Shamir's scheme",
    }
    folder.mkdir(parents=True, exist_ok=True)
    shared_key_file(folder).write_text(json.dumps(board, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return list(zip(holders, split.shares))


def _raw(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def board(folder: Path) -> Board | None:
    """The board of this office's sealing key, or None when one passphrase protects it."""
    path = shared_key_file(folder)
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        base64.b64decode(document["wrapped"], validate=True)
        return Board(
            int(document["threshold"]), {int(index): str(name) for index, name in document["holders"].items()}, document["wrapped"], document["public"]
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise CountError(f"{path} is damaged; it should hold the wrapped sealing key and its board") from None


def parse(typed: str, of: Board) -> sharing.Share:
    """One typed share, checked on its own and against the board; CountError says what is wrong."""
    try:
        share = sharing.parse(typed)
    except sharing.ShareError as error:
        raise CountError(str(error)) from None
    if share.index not in of.holders:
        raise CountError(f"this board has no member number {share.index}")
    return share


def open_sealing_key(folder: Path, typed: list[str]) -> tuple[X25519PrivateKey, list[str]]:
    """The sealing key from the typed shares, with the names of those who took part."""
    of = board(folder)
    if of is None:
        raise CountError(f"this office's sealing key is not split among a board (no {SHARED_KEY_FILE})")
    parsed = [parse(text, of) for text in typed if text.strip()]
    try:
        raw = sharing.open_key(of.wrapped, parsed, of.threshold)
    except sharing.ShareError as error:
        raise CountError(str(error)) from None
    key = X25519PrivateKey.from_private_bytes(raw)
    package = store.election()
    if keys.public_text(key) != of.public or (package is not None and package.sealing_key != of.public):
        raise CountError("the shares open a sealing key that is not this election's")
    taken = sorted({share.index for share in parsed})[: of.threshold]
    return key, [of.holders[index] for index in taken]


note_key_holders = store.note_key_holders


def key_holders(count: Count) -> list[str] | None:
    """Who opened the key for a count; None when it was opened with one passphrase (or before shares existed)."""
    names = json.loads(count.key_holders) if count.key_holders else []
    return names or None


def share_sheet(election_title: str, holder: str, share: sharing.Share, total: int, threshold: int, fingerprint: str) -> str:
    """One board member's printable sheet: the share as text and as a QR code."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return environment.get_template("office/share_sheet.html").render(
        title=election_title,
        holder=holder,
        share=share.text,
        qr=qr_svg(share.text),
        index=share.index,
        total=total,
        threshold=threshold,
        fingerprint=fingerprint,
    )
