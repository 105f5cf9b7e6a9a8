"""The election package: the signed contract between the office and its stations.

A package file is a ZIP holding `package.json` (the document, as canonical
JSON), `package.sig` (the authority's detached Ed25519 signature over exactly
those bytes, base64) and any assets, each named with its SHA-256 in the
document so that the signature covers them too. A station trusts one authority
key, configured out of band; the key inside a package is only compared with it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import keys, languages
from .rules import SCORE_RULES, BallotRule

SCHEMA_VERSION = 1
LANGUAGES = languages.CODES
DOCUMENT_NAME = "package.json"
SIGNATURE_NAME = "package.sig"
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_MEMBER_BYTES = 16 * 1024 * 1024


class PackageError(ValueError):
    """A package that must not be used. The message names the field and what is wrong."""


def canonical_json(value: Any, checked: bool = True) -> bytes:
    """Sorted keys, no spaces, UTF-8, integers only: the bytes that get signed and hashed.

    `checked=False` skips the walk that refuses decimals, for values whose types
    the caller has already checked (a ballot record, thousands of times a second).
    """
    if checked:
        _refuse_floats(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _refuse_floats(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise PackageError(f"{path}: must be a whole number (money is in whole units, no decimals)")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise PackageError(f"{path}: keys must be strings")
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{path}[{index}]")


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema (package.schema.json beside this module)."""
    text = resources.files(__package__).joinpath("package.schema.json").read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class Project:
    id: str
    title: Mapping[str, str]
    summary: Mapping[str, str]
    cost: int
    description: Mapping[str, str] = field(default_factory=dict)
    category: Mapping[str, str] = field(default_factory=dict)
    location: Mapping[str, str] = field(default_factory=dict)
    image: str | None = None
    image_text: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ElectionPackage:
    """A validated package document, with the parts the station and office use."""

    document: Mapping[str, Any]
    projects: tuple[Project, ...]
    rule: BallotRule
    opens: datetime
    closes: datetime

    @property
    def id(self) -> str:
        return self.document["id"]

    @property
    def languages(self) -> list[str]:
        return list(self.document["languages"])

    @property
    def fallback_language(self) -> str:
        return self.document["languages"][0]

    @property
    def budget(self) -> int:
        return self.document["budget"]

    @property
    def check_in(self) -> str:
        return self.document["check_in"]

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.document["voting"]["timezone"])

    @property
    def authority_key(self) -> str:
        return self.document["keys"]["authority_signing"]

    @property
    def sealing_key(self) -> str:
        return self.document["keys"]["office_sealing"]

    @property
    def office_signing_key(self) -> str | None:
        """The key that signs the office's acknowledgements; without it a station cannot sync."""
        return self.document["keys"].get("office_signing")

    @cached_property
    def code_hashes(self) -> frozenset[str]:
        return frozenset(self.document.get("voting_codes", {}).get("hashes", ()))

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the canonical document: what reports quote to prove which package ran (once per package, not per cast)."""
        return hashlib.sha256(canonical_json(self.document)).hexdigest()

    def audio(self, language: str, key: str) -> str | None:
        """The asset of the speech for `key` in `language`, if the package has one."""
        return self.document.get("audio", {}).get(language, {}).get(key)

    @property
    def audio_missing(self) -> list[str]:
        return list(self.document.get("audio_missing", ()))

    def project(self, project_id: str) -> Project | None:
        return next((project for project in self.projects if project.id == project_id), None)

    def is_open_at(self, moment: datetime) -> bool:
        return self.opens <= moment < self.closes


def text_in(text: Mapping[str, str], language: str, fallback: str) -> tuple[str, str]:
    """The text in `language`, else in the fallback language; with the language used."""
    if text.get(language):
        return text[language], language
    if text.get(fallback):
        return text[fallback], fallback
    first = next(iter(text))
    return text[first], first


def validate_document(document: Any) -> ElectionPackage:
    """Check a package document against the schema and its own consistency."""
    if not isinstance(document, dict):
        raise PackageError("$: a package must be a JSON object")
    _refuse_floats(document, "$")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise PackageError(
            f"$.schema_version: this station reads schema version {SCHEMA_VERSION}, "
            f"the package has {document.get('schema_version')!r}"
        )
    validator = jsonschema.Draft202012Validator(schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        raise PackageError(f"{error.json_path}: {_schema_message(error)}")
    return _consistent(document)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "oneOf" and error.json_path.endswith("ballot"):
        return "must be one of the rules approval, knapsack, ranking (with max_rank) or points (with total)"
    if error.validator == "additionalProperties":
        return f"has a field this schema does not know ({error.message})"
    return error.message


def _consistent(document: dict[str, Any]) -> ElectionPackage:
    fallback = document["languages"][0]
    _texts_have(document, fallback, "$")
    projects = tuple(_project(item) for item in document["projects"])
    seen: set[str] = set()
    for index, project in enumerate(projects):
        if project.id in seen:
            raise PackageError(f"$.projects[{index}].id: {project.id!r} is used by an earlier project")
        seen.add(project.id)
        if project.image and project.image not in document.get("assets", {}):
            raise PackageError(f"$.projects[{index}].image: {project.image} is not listed in $.assets")
    for language, clips in document.get("audio", {}).items():
        for key, asset in clips.items():
            if asset not in document.get("assets", {}):
                raise PackageError(f"$.audio.{language}.{key}: {asset} is not listed in $.assets")
            if key.startswith("project:") and key[8:] not in seen:
                raise PackageError(f"$.audio.{language}.{key}: there is no project {key[8:]!r}")

    _survey_consistent(document.get("survey", {}).get("questions", ()))
    voting = document["voting"]
    try:
        ZoneInfo(voting["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise PackageError(f"$.voting.timezone: unknown time zone {voting['timezone']!r}") from None
    opens, closes = (_moment(voting[name], f"$.voting.{name}") for name in ("opens", "closes"))
    if closes <= opens:
        raise PackageError("$.voting.closes: the vote must close after it opens")

    costs = {project.id: project.cost for project in projects}
    rule = BallotRule.from_package(document["ballot"], document["budget"], costs)
    _rule_fits(rule, len(projects))
    counting_rule = document["counting"]["rule"]
    if rule.kind in ("ranking", "points") and counting_rule not in SCORE_RULES:
        raise PackageError(
            f"$.counting.rule: {counting_rule} counts approvals; {rule.kind} ballots are counted with {' or '.join(SCORE_RULES)}"
        )
    if document["check_in"] == "code" and not document.get("voting_codes", {}).get("hashes"):
        raise PackageError("$.voting_codes: check-in by code needs the hashes of the voting codes")
    return ElectionPackage(document=document, projects=projects, rule=rule, opens=opens, closes=closes)


def _survey_consistent(questions: Any) -> None:
    asked: set[str] = set()
    for index, question in enumerate(questions):
        if question["id"] in asked:
            raise PackageError(f"$.survey.questions[{index}].id: {question['id']!r} is used by an earlier question")
        asked.add(question["id"])
        answers = [answer["id"] for answer in question["answers"]]
        for number, answer in enumerate(answers):
            if answer == "none":
                raise PackageError(f"$.survey.questions[{index}].answers[{number}].id: 'none' is kept for a question left unanswered")
            if answer in answers[:number]:
                raise PackageError(f"$.survey.questions[{index}].answers[{number}].id: {answer!r} is used by an earlier answer")


def _texts_have(value: Any, language: str, path: str) -> None:
    """Every text object must at least say it in the package's first language."""
    if isinstance(value, dict):
        keys_ = set(value)
        if keys_ and keys_ <= set(LANGUAGES) and all(
            isinstance(item, str) for item in value.values()
        ):
            if not value.get(language):
                raise PackageError(f"{path}: has no text in {language}, the package's first language")
            return
        for key, item in value.items():
            if key not in ("keys", "voting_codes", "assets"):
                _texts_have(item, language, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _texts_have(item, language, f"{path}[{index}]")


def _project(item: Mapping[str, Any]) -> Project:
    return Project(
        id=item["id"],
        title=item["title"],
        summary=item["summary"],
        cost=item["cost"],
        description=item.get("description", {}),
        category=item.get("category", {}),
        location=item.get("location", {}),
        image=item.get("image"),
        image_text=item.get("image_text", {}),
    )


def _moment(text: str, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise PackageError(f"{path}: {text!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise PackageError(f"{path}: {text!r} needs a UTC offset, such as +01:00")
    return moment


def _rule_fits(rule: BallotRule, project_count: int) -> None:
    if rule.kind in ("approval", "knapsack"):
        if rule.max_selections is not None and rule.max_selections < rule.min_selections:
            raise PackageError("$.ballot.max_selections: must not be less than min_selections")
        if rule.min_selections > project_count:
            raise PackageError("$.ballot.min_selections: more than there are projects")
        if rule.min_spend > rule.budget:
            raise PackageError("$.ballot.min_spend: more than the budget")
    elif rule.kind == "ranking":
        if rule.max_rank > project_count:
            raise PackageError("$.ballot.max_rank: more than there are projects")
        if rule.min_rank > rule.max_rank:
            raise PackageError("$.ballot.min_rank: must not be more than max_rank")
    elif rule.points_per_project is not None and rule.points_per_project > rule.points_total:
        raise PackageError("$.ballot.max_per_project: more than the total points")


def sign(document: Mapping[str, Any], authority_key: Ed25519PrivateKey) -> str:
    """The authority's detached signature over the canonical document, base64."""
    return base64.b64encode(authority_key.sign(canonical_json(document))).decode("ascii")


def verify(document: Mapping[str, Any], signature: str, trusted_authority_key: str) -> None:
    """Raise PackageError unless `signature` is the trusted authority's over `document`."""
    if document.get("keys", {}).get("authority_signing") != trusted_authority_key:
        raise PackageError(
            "$.keys.authority_signing: the package names another authority than the one this "
            f"station trusts ({keys.fingerprint(trusted_authority_key)})"
        )
    try:
        raw = base64.b64decode(signature, validate=True)
        keys.signing_public(trusted_authority_key, "authority key").verify(raw, canonical_json(document))
    except (InvalidSignature, ValueError):
        raise PackageError("signature: the package was not signed by the trusted authority, or was changed after signing") from None


@dataclass(frozen=True)
class SignedPackage:
    package: ElectionPackage
    signature: str
    assets: Mapping[str, bytes]

    @property
    def document_bytes(self) -> bytes:
        return canonical_json(self.package.document)


def with_asset_hashes(document: Mapping[str, Any], assets: Mapping[str, bytes]) -> dict[str, Any]:
    """The document listing each asset with its SHA-256, which is how the signature covers them."""
    document = dict(document)
    if assets:
        document["assets"] = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(assets.items())}
    return document


def build_file(document: Mapping[str, Any], authority_key: Ed25519PrivateKey, assets: Mapping[str, bytes] | None = None) -> bytes:
    """Sign a document and pack it with its assets into one package file."""
    assets = dict(assets or {})
    document = with_asset_hashes(document, assets)
    validate_document(document)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DOCUMENT_NAME, canonical_json(document))
        archive.writestr(SIGNATURE_NAME, sign(document, authority_key))
        for name, data in sorted(assets.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


def read_file(data: bytes, trusted_authority_key: str) -> SignedPackage:
    """Open a package file and check everything a station must check before use.

    Checks, in order: it is a package file, the document parses, the signature
    is the trusted authority's, the document fits the schema, and every asset
    is present with the hash the document names. Dates are checked by the
    caller against its own clock (`check_window`).
    """
    if len(data) > MAX_FILE_BYTES:
        raise PackageError(f"file: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise PackageError("file: this is not a Vallokal package file (not a ZIP archive)") from None
    for name in (DOCUMENT_NAME, SIGNATURE_NAME):
        if name not in members:
            raise PackageError(f"file: the package file has no {name}")

    def member(name: str) -> bytes:
        if members[name].file_size > MAX_MEMBER_BYTES:
            raise PackageError(f"file: {name} is larger than {MAX_MEMBER_BYTES // (1024 * 1024)} MiB")
        try:
            return archive.read(name)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError):
            raise PackageError(f"file: {name} is damaged") from None

    raw_document = member(DOCUMENT_NAME)
    try:
        document = json.loads(raw_document.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PackageError(f"{DOCUMENT_NAME}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise PackageError("$: a package must be a JSON object")
    signature = member(SIGNATURE_NAME).decode("ascii", errors="replace").strip()
    verify(document, signature, trusted_authority_key)
    package = validate_document(document)
    assets = {}
    for name, digest in document.get("assets", {}).items():
        if name not in members:
            raise PackageError(f"$.assets: {name} is missing from the package file")
        content = member(name)
        if hashlib.sha256(content).hexdigest() != digest:
            raise PackageError(f"$.assets: {name} was changed after signing")
        assets[name] = content
    return SignedPackage(package=package, signature=signature, assets=assets)


class PackageCache:
    """Verified packages by hash, so a stored package file is checked once per process, not per request."""

    def __init__(self) -> None:
        self.digest: str | None = None
        self.signed: SignedPackage | None = None

    def get(self, digest: str, load_file: Callable[[], bytes], trusted_authority_key: str) -> SignedPackage:
        if digest != self.digest or self.signed is None:
            self.signed = read_file(load_file(), trusted_authority_key)
            self.digest = digest
        return self.signed


def check_window(package: ElectionPackage, now: datetime) -> None:
    """Refuse a package whose vote has already closed."""
    if now >= package.closes:
        raise PackageError(f"$.voting.closes: this vote closed on {package.closes.isoformat()}")
