"""The authority's keys in the office's data folder, and what is built and signed with them.

The signing key signs packages and device certificates; the sealing key opens
ballots at the count. Both are encrypted with a passphrase on disk; their
public halves sit beside them in `authority-keys.json` so that a draft package
can be built and checked without the passphrase, which is needed only to sign.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ...election import keys, material, package as packages, voting_codes
from ...web import TEMPLATES
from ...web.qr import qr_svg

AUTHORITY_KEY_FILE = "authority-signing.pem"
SEALING_KEY_FILE = "office-sealing.pem"
PUBLIC_KEYS_FILE = "authority-keys.json"
CODE_HASHES_FILE = "voting-code-hashes.json"
MIN_PASSPHRASE = 12


class AuthorityError(ValueError):
    """A key or code step that cannot be done; the message says what to do."""


@dataclass(frozen=True)
class KeyFiles:
    signing: Path
    sealing: Path
    public: Path


def key_files(folder: Path) -> KeyFiles:
    return KeyFiles(folder / AUTHORITY_KEY_FILE, folder / SEALING_KEY_FILE, folder / PUBLIC_KEYS_FILE)


def create_keys(folder: Path, passphrase: str, office_signing_public: str) -> dict[str, str]:
    """Make the authority's key pair and the office's sealing pair; refuses to overwrite either."""
    files = key_files(folder)
    for path in (files.signing, files.sealing):
        if path.exists():
            raise AuthorityError(f"{path} already exists; keys are made once per election. Move it away first if you really mean to start again.")
    if len(passphrase) < MIN_PASSPHRASE:
        raise AuthorityError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    signing, sealing = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    keys.write_private(signing, files.signing, passphrase)
    keys.write_private(sealing, files.sealing, passphrase)
    public = {
        "authority_signing": keys.public_text(signing),
        "office_sealing": keys.public_text(sealing),
        "office_signing": office_signing_public,
    }
    files.public.write_text(json.dumps(public, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return public


def public_keys(folder: Path) -> dict[str, str]:
    try:
        public = json.loads(key_files(folder).public.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthorityError(f"no authority keys in {folder}; make them first with: vallokal office keys --data {folder}") from None
    except (OSError, ValueError) as error:
        raise AuthorityError(f"{key_files(folder).public} cannot be read: {error}") from None
    return {name: public[name] for name in ("authority_signing", "office_sealing", "office_signing") if name in public}


def signing_key(folder: Path, passphrase: str) -> Ed25519PrivateKey:
    """The authority's signing key, checked against the public half the drafts were built with."""
    try:
        key = keys.read_signing_key(key_files(folder).signing, passphrase or None)
    except keys.KeyFileError as error:
        raise AuthorityError(str(error)) from None
    if keys.public_text(key) != public_keys(folder)["authority_signing"]:
        raise AuthorityError(f"{key_files(folder).signing} is not the key named in {PUBLIC_KEYS_FILE}")
    return key


def make_codes(folder: Path, count: int) -> list[str]:
    """New voting codes; their hashes join the folder's list for the next package, the codes themselves are returned only."""
    codes = voting_codes.generate(count)
    path = folder / CODE_HASHES_FILE
    existing = set(code_hashes(folder))
    hashes = sorted(existing | {voting_codes.code_hash(code) for code in codes})
    path.write_text(json.dumps({"hash": "sha256", "hashes": hashes}, indent=0) + "\n", encoding="utf-8")
    return codes


def code_hashes(folder: Path) -> list[str]:
    path = folder / CODE_HASHES_FILE
    if not path.exists():
        return []
    try:
        return list(json.loads(path.read_text(encoding="utf-8"))["hashes"])
    except (OSError, ValueError, KeyError, TypeError):
        raise AuthorityError(f"{path} is damaged; it should hold the hashes of the voting codes") from None


def draft(
    folder: Path, projects_csv: bytes, settings_toml: bytes, images: Mapping[str, bytes],
    projects_name: str = "projects.csv", settings_name: str = "settings.toml",
) -> material.Draft:
    """The checked, unsigned package from the material, with this office's keys and codes."""
    return material.build(projects_csv, settings_toml, images, public_keys(folder), code_hashes(folder) or None, projects_name, settings_name)


def sign(folder: Path, built: material.Draft, passphrase: str) -> bytes:
    return packages.build_file(built.document, signing_key(folder, passphrase), built.assets)


def describe(built: material.Draft) -> dict[str, Any]:
    package = built.package
    return {
        "id": package.id,
        "projects": len(package.projects),
        "languages": package.languages,
        "budget": package.budget,
        "rule": package.rule.kind,
        "check_in": package.check_in,
        "codes": len(package.code_hashes),
        "images": len(built.assets),
        "missing_texts": built.missing_texts,
    }


def code_sheet(codes: list[str], title: str) -> str:
    """A printable HTML sheet: each code as text and as a QR code that a scanner types back."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return environment.get_template("office/code_sheet.html").render(title=title, codes=[(code, qr_svg(code)) for code in codes])
