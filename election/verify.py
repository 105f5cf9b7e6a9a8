"""The publication checker: recompute a published count from its files with the pure core alone.

Each check has a name and passes or fails with a reason; a failed check does
not stop the others. Nothing here imports the station, the office, Flask or the
network: `vallokal verify` reads the files and hands them over as bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import certificate as certificates, closing, envelope, merkle
from .package import DOCUMENT_NAME, PackageError, canonical_json, read_file
from .tally import outcome as outcomes, pabulib, parameters

FILES = ("manifest.json", "package.zip", "certificates.json", "stations.json", "ballots.pb", "tracking-codes.txt", "count.json", "protocol.html")
CHECKS = ("files", "signatures", "station records", "tracking codes", "totals", "rule", "outcome")


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    reason: str


class Failed(Exception):
    """One check failed; the message is its reason."""


def verify(files: Mapping[str, bytes], authority_key: str | None = None) -> list[Check]:
    """Every check, in order, on the publication's files (name to bytes)."""
    state = _State(files, authority_key)
    results = []
    for name, check in zip(CHECKS, (state.files, state.signatures, state.station_records, state.tracking_codes, state.totals, state.rule, state.outcome)):
        try:
            results.append(Check(name, True, check()))
        except Failed as failure:
            results.append(Check(name, False, str(failure)))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            results.append(Check(name, False, f"the publication's files are not in the expected shape ({type(error).__name__}: {str(error)[:120]})"))
    return results


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _State:
    def __init__(self, files: Mapping[str, bytes], authority_key: str | None) -> None:
        self.raw = files
        self.authority_key = authority_key
        self._cache: dict[str, Any] = {}

    def json(self, name: str) -> Any:
        if name not in self._cache:
            if name not in self.raw:
                raise Failed(f"{name} is missing from the publication")
            try:
                self._cache[name] = json.loads(self.raw[name].decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise Failed(f"{name} is not readable JSON ({error})") from None
        return self._cache[name]

    def count(self) -> dict[str, Any]:
        count = self.json("count.json")
        if not isinstance(count, dict) or not all(key in count for key in ("outcome", "outcome_hash", "counting", "channels", "left_out_records")):
            raise Failed("count.json lacks the outcome, its hash, the rule, the channels or the left-out records")
        return count

    def stations(self) -> list[dict[str, Any]]:
        stations = self.json("stations.json")
        if not isinstance(stations, list) or not all(isinstance(item, dict) and isinstance(item.get("record_hashes"), list) for item in stations):
            raise Failed("stations.json should list each station with its record hashes")
        return stations

    def package(self) -> Any:
        if "package" not in self._cache:
            if "package.zip" not in self.raw:
                raise Failed("package.zip is missing from the publication")
            data = self.raw["package.zip"]
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    document = json.loads(archive.read(DOCUMENT_NAME))
                trusted = self.authority_key or document["keys"]["authority_signing"]
                self._cache["package"] = read_file(data, trusted).package
            except PackageError as error:
                raise Failed(f"the package: {error}") from None
            except (KeyError, ValueError, OSError, zipfile.BadZipFile):
                raise Failed("package.zip is not a readable election package") from None
        return self._cache["package"]

    # The checks -------------------------------------------------------------------

    def files(self) -> str:
        manifest = self.json("manifest.json")
        listed = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(listed, dict):
            raise Failed("manifest.json lists no files")
        problems = [f"{name} is missing" for name in FILES if name != "manifest.json" and name not in self.raw]
        problems += [f"{name} is not listed in the manifest" for name in self.raw if name != "manifest.json" and name not in listed]
        problems += [f"{name} does not match its hash in the "
            "manifest" for name, digest in listed.items() if name in self.raw and sha256(self.raw[name]) != digest]
        count = self.count()
        if "package.zip" in self.raw and count.get("package_sha256") != sha256(self.raw["package.zip"]):
            problems.append("package.zip is not the package the count names")
        if "ballots.pb" in self.raw and count.get("ballots_sha256") != sha256(self.raw["ballots.pb"]):
            problems.append("ballots.pb is not the file the count names")
        if count["outcome_hash"] != sha256(canonical_json(count["outcome"], checked=False)):
            problems.append("the outcome does not match its published hash")
        if problems:
            raise Failed("; ".join(problems))
        return f"{len(listed)} files match their hashes; the count names this package, this ballots.pb and this outcome"

    def signatures(self) -> str:
        package = self.package()
        documents = self.json("certificates.json")
        if not isinstance(documents, list):
            raise Failed("certificates.json should be a list of device certificates")
        trusted = self.authority_key or package.document["keys"]["authority_signing"]
        devices = {}
        for document in documents:
            try:
                body = document["body"]
                moment = datetime.fromisoformat(body["not_before"])
                certificate = certificates.read_certificate(document, trusted, package.id, moment)
            except (certificates.CertificateError, KeyError, TypeError, ValueError) as error:
                raise Failed(f"a device certificate does not check out: {error}") from None
            devices[certificate.device_id] = certificate
        problems = []
        for station in self.stations():
            name = station.get("station") or station.get("device_id")
            certificate = devices.get(station.get("device_id"))
            report = station.get("closing_report")
            if certificate is None:
                problems.append(f"{name}: no device certificate")
            elif report is None:
                problems.append(f"{name}: no closing report")
            else:
                try:
                    closing.verify(report, certificate.public_key)
                except closing.ClosingError as error:
                    problems.append(f"{name}: {error}")
        if problems:
            raise Failed("; ".join(problems))
        return f"the package is the authority's; {len(devices)} device certificates are the authority's; every closing report is its device's"

    def station_records(self) -> str:
        problems = []
        total = 0
        package_id = self.package().id
        for station in self.stations():
            name = station.get("station") or station.get("device_id")
            hashes = station["record_hashes"]
            total += len(hashes)
            report = station.get("closing_report")
            if not isinstance(report, dict):
                problems.append(f"{name}: no closing report, so its records cannot be checked")
                continue
            if hashes != sorted(set(hashes)):
                problems.append(f"{name}: record hashes are not sorted and distinct")
            try:
                root = merkle.root(hashes)
            except (ValueError, TypeError, AttributeError):
                problems.append(f"{name}: a record hash is not a SHA-256 hash")
                continue
            if report.get("ballots_cast") != len(hashes):
                problems.append(f"{name}: {len(hashes)} record hashes published, the closing report signs {report.get('ballots_cast')}")
            if report.get("merkle_root") != root:
                problems.append(f"{name}: the record hashes do not give the root the closing report signs")
            if report.get("election_id") != package_id or report.get("device_id") != station.get("device_id"):
                problems.append(f"{name}: the closing report is for another election or device")
        if problems:
            raise Failed("; ".join(problems))
        return f"{len(self.stations())} stations: {total} record hashes, each set matching its signed count and root"

    def tracking_codes(self) -> str:
        left_out = set(self.count()["left_out_records"])
        held = set(self.held_records())
        hashes = {value for station in self.stations() for value in station["record_hashes"] if isinstance(value, str)}
        expected = {}
        for value in hashes - left_out - held:
            try:
                expected[envelope.tracking_code(value)] = value
            except ValueError:
                raise Failed(f"record hash {value[:16]}… is not a SHA-256 hash") from None
        if "tracking-codes.txt" not in self.raw:
            raise Failed("tracking-codes.txt is missing")
        published = self.raw["tracking-codes.txt"].decode("utf-8", errors="replace").split()
        problems = []
        if len(published) != len(set(published)):
            problems.append(f"{len(published) - len(set(published))} tracking codes are listed twice")
        added, missing = set(published) - set(expected), set(expected) - set(published)
        if added:
            problems.append(f"{len(added)} tracking codes match no record a station signed (for example {sorted(added)[0]})")
        if missing:
            problems.append(f"{len(missing)} counted records have no tracking code in the list (for example {sorted(missing)[0]})")
        if left_out - hashes:
            problems.append(f"{len(left_out - hashes)} left-out records are in no station's signed set")
        if held - hashes:
            problems.append(f"{len(held - hashes)} held records are in no station's signed set")
        if held & left_out:
            problems.append(f"{len(held & left_out)} records are listed both as held and as left out")
        if problems:
            raise Failed("; ".join(problems))
        return (f"{len(published)} tracking codes, exactly those of the stations' signed records that were counted "
                f"({len(left_out)} left out, {len(held)} held for the board)")

    def held_records(self) -> list[str]:
        """The records held for the board; a publication made before they were listed has none."""
        held = self.count().get("held_records", [])
        if not isinstance(held, list) or not all(isinstance(value, str) for value in held):
            raise Failed("count.json: held_records is not a list of record hashes")
        return held

    def totals(self) -> str:
        count = self.count()
        problems = []
        for channel, figures in sorted(count["channels"].items()):
            try:
                received, valid, invalid, held, left = (int(figures[key]) for key in ("received", "valid", "invalid", "held", "left_out"))
            except (KeyError, TypeError, ValueError):
                problems.append(f"{channel}: its figures are incomplete")
                continue
            if received != valid + invalid + held + left:
                problems.append(f"{channel}: received {received} ≠ counted {valid} + invalid {invalid} + held {held} + left out {left}")
        station = count["channels"].get("station", {})
        hashes = sum(len(item["record_hashes"]) for item in self.stations())
        if station.get("received") != hashes:
            problems.append(f"station: {station.get('received')} received, but the stations signed {hashes} records")
        if station.get("left_out") != len(count["left_out_records"]):
            problems.append(f"station: {station.get('left_out')} left out, but {len(count['left_out_records'])} left-out records are listed")
        if "held_records" in count and station.get("held") != len(self.held_records()):
            problems.append(f"station: {station.get('held')} held, but {len(self.held_records())} held records are listed")
        result = count["outcome"]
        valid = sum(int(figures.get("valid", 0)) for figures in count["channels"].values())
        invalid = sum(int(figures.get("invalid", 0)) for figures in count["channels"].values())
        if valid != result.get("valid") or invalid != sum(result.get("invalid", {}).values()):
            problems.append(f"the channels count {valid} valid and {invalid} invalid, the outcome {result.get('valid')} and "
                f"{sum(result.get('invalid', {}).values())}")
        if problems:
            raise Failed("; ".join(problems))
        received = ", ".join(f"{name} {figures['received']}" for name, figures in sorted(count["channels"].items()))
        return f"every channel: received = counted + invalid + held + left out ({received})"

    def rule(self) -> str:
        counting = self.count()["counting"]
        package = self.package()
        rule = counting.get("rule") if isinstance(counting, dict) else None
        if rule != package.document["counting"]["rule"]:
            raise Failed(f"the count used rule {rule!r}, the signed package names {package.document['counting']['rule']!r}")
        try:
            pinned = parameters.of(rule)
        except KeyError:
            raise Failed(f"rule {rule!r} is unknown to this verifier") from None
        published = counting.get("parameters")
        if published != pinned:
            changed = sorted(name for name in set(pinned) | set(published or {}) if (published or {}).get(name) != pinned.get(name))
            expected = "; ".join(f"{name}: {pinned.get(name)!r}" for name in changed)
            raise Failed(f"parameters {', '.join(changed)} differ from what rule {rule} computes ({expected})")
        named = package.document["counting"].get("tie_break", "project-id")
        if parameters.PACKAGE_TIE_BREAKS.get(named) != pinned["tie_break"]:
            raise Failed(f"the signed package's tie-break {named!r} is not the one the count applies ({pinned['tie_break']})")
        if self.count()["outcome"].get("counting_rule") != rule:
            raise Failed("the outcome names another rule than the count")
        return f"{rule} as the signed package names it: " + ", ".join(f"{name} {value}" for name, value in pinned.items() if name != "rule")

    def outcome(self) -> str:
        package = self.package()
        count = self.count()
        try:
            election = pabulib.read(self.raw["ballots.pb"])
        except (KeyError, pabulib.PabulibError) as error:
            raise Failed(f"ballots.pb cannot be read: {error}") from None
        ballots = []
        checked: dict[tuple[Any, ...], Any] = {}
        for vote in election.votes:
            key = (vote.projects, vote.points)
            if key not in checked:
                checked[key] = outcomes.check(package.rule, _choices(package.rule.kind, vote))
            ballot, reason = checked[key]
            if ballot is None:
                raise Failed(f"ballot {vote.voter_id} in ballots.pb breaks the ballot rule ({reason})")
            ballots.append(ballot)
        published = count["outcome"]
        recount = outcomes.count(
            package.rule, count["counting"]["rule"], [project.id for project in package.projects], ballots, published.get("invalid", {})
        ).as_dict()
        differences = [name for name in ("valid", "winners", "projects", "spent", "budget", "score_kind") if recount[name] != published.get(name)]
        if differences:
            detail = ""
            if "winners" in differences:
                detail = f": recomputed winners {recount['winners']}, published {published.get('winners')}"
            elif "projects" in differences:
                wrong = [item["id"] for item, theirs in zip(recount["projects"], published.get("projects", [])) if item != theirs]
                detail = f": scores differ for {', '.join(wrong[:5]) or 'the project list'}"
            raise Failed(f"recomputed from ballots.pb, the {', '.join(differences)} differ{'s' if len(differences) == 1 else ''}{detail}")
        return f"recomputed from {len(ballots)} ballots in ballots.pb: the same scores and winners ({', '.join(recount['winners'])})"


def _choices(kind: str, vote: pabulib.Vote) -> dict[str, Any]:
    if kind in ("approval", "knapsack"):
        return {"selected": list(vote.projects)}
    if kind == "ranking":
        return {"ranked": list(vote.projects)}
    return {"points": dict(zip(vote.projects, vote.points or ()))}
