"""The package: schema, canonical JSON, signatures, and refusals that name the field."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from vallokal.election import keys, package as packages


def test_canonical_json_is_sorted_compact_utf8_and_refuses_decimals():
    assert packages.canonical_json({"b": 1, "a": "Å"}) == '{"a":"Å","b":1}'.encode()
    with pytest.raises(packages.PackageError, match=r"\$\.budget"):
        packages.canonical_json({"budget": 1000.5})


def test_demo_document_fits_the_published_schema(make_document):
    jsonschema.Draft202012Validator.check_schema(packages.schema())
    jsonschema.validate(make_document(), packages.schema())
    package = packages.validate_document(make_document())
    assert package.budget == 1_000_000 and len(package.projects) == 12


def test_round_trip_through_a_signed_file(make_document, authority_key):
    document = make_document()
    data = packages.build_file(document, authority_key, {"assets/lampa.svg": b"<svg/>"})
    signed = packages.read_file(data, keys.public_text(authority_key))
    assert signed.package.id == document["id"]
    assert signed.assets == {"assets/lampa.svg": b"<svg/>"}


def rewrite(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info.filename))
    return buffer.getvalue()


def test_any_changed_byte_of_the_document_fails_verification(signed_package, authority_key):
    original = zipfile.ZipFile(io.BytesIO(signed_package)).read(packages.DOCUMENT_NAME)
    trusted = keys.public_text(authority_key)
    for position in range(0, len(original), max(1, len(original) // 40)):
        changed = bytearray(original)
        changed[position] ^= 0x01
        with pytest.raises(packages.PackageError):
            packages.read_file(rewrite(signed_package, packages.DOCUMENT_NAME, bytes(changed)), trusted)


def test_changed_asset_is_refused(make_document, authority_key):
    data = packages.build_file(make_document(), authority_key, {"assets/a.svg": b"<svg/>"})
    with pytest.raises(packages.PackageError, match="assets/a.svg was changed"):
        packages.read_file(rewrite(data, "assets/a.svg", b"<svg>evil</svg>"), keys.public_text(authority_key))


def test_package_signed_by_another_authority_is_refused(make_document, authority_key):
    impostor = Ed25519PrivateKey.generate()
    document = make_document()
    document["keys"]["authority_signing"] = keys.public_text(impostor)
    data = packages.build_file(document, impostor)
    with pytest.raises(packages.PackageError, match="another authority"):
        packages.read_file(data, keys.public_text(authority_key))


def test_signature_by_impostor_naming_the_real_authority_is_refused(make_document, authority_key):
    impostor = Ed25519PrivateKey.generate()
    data = packages.build_file(make_document(), impostor)
    with pytest.raises(packages.PackageError, match="not signed by the trusted authority"):
        packages.read_file(data, keys.public_text(authority_key))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(budget=-5), r"\$\.budget"),
        (lambda d: d.update(budget="1000"), r"\$\.budget"),
        (lambda d: d["projects"][3].update(cost=-1), r"\$\.projects\[3\]\.cost"),
        (lambda d: d["projects"][2].pop("title"), r"\$\.projects\[2\]"),
        (lambda d: d["projects"][1].update(id=d["projects"][0]["id"]), r"\$\.projects\[1\]\.id"),
        (lambda d: d.update(check_in="telepathy"), r"\$\.check_in"),
        (lambda d: d.update(ballot={"rule": "lottery"}), r"\$\.ballot"),
        (lambda d: d.update(ballot={"rule": "ranking", "max_rank": 99}), r"\$\.ballot\.max_rank"),
        (lambda d: d["voting"].update(closes="2020-01-01T00:00:00+01:00"), r"\$\.voting\.closes"),
        (lambda d: d["voting"].update(opens="yesterday"), r"\$\.voting\.opens"),
        (lambda d: d["voting"].update(timezone="Mars/Olympus"), r"\$\.voting\.timezone"),
        (lambda d: d.update(schema_version=2), r"\$\.schema_version"),
        (lambda d: d.update(check_in="code"), r"\$\.voting_codes"),
        (lambda d: d["projects"][0]["title"].pop("sv"), r"\$\.projects\[0\]\.title"),
        (lambda d: d.update(surprise=True), r"\$"),
    ],
)
def test_malformed_fields_are_refused_by_name(make_document, change, field):
    document = copy.deepcopy(make_document())
    change(document)
    with pytest.raises(packages.PackageError, match=field):
        packages.validate_document(document)


def test_not_a_package_file_is_refused_clearly(authority_key):
    trusted = keys.public_text(authority_key)
    with pytest.raises(packages.PackageError, match="not a ZIP"):
        packages.read_file(b"hello", trusted)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(packages.DOCUMENT_NAME, b"{not json")
        archive.writestr(packages.SIGNATURE_NAME, b"AAAA")
    with pytest.raises(packages.PackageError, match="not valid JSON"):
        packages.read_file(buffer.getvalue(), trusted)


def test_closed_vote_is_refused_at_load(make_document):
    package = packages.validate_document(make_document())
    packages.check_window(package, datetime.now(timezone.utc))
    with pytest.raises(packages.PackageError, match="closed"):
        packages.check_window(package, package.closes + timedelta(minutes=1))


def test_published_schema_file_is_valid_json_that_other_tools_can_read():
    path = Path(packages.__file__).with_name("package.schema.json")
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["properties"]["schema_version"]["const"] == packages.SCHEMA_VERSION


def test_equal_shares_with_a_ranking_ballot_is_refused_with_the_reason(make_document):
    document = make_document(rule={"rule": "ranking", "max_rank": 3})
    document["counting"]["rule"] = "mes-cost"
    with pytest.raises(packages.PackageError, match=r"\$\.counting\.rule: mes-cost counts approvals"):
        packages.validate_document(document)
