"""A count's publication: what anyone needs to check the count, and nothing that links a ballot to a time.

Per station it holds the device-signed closing report and the sorted record
hashes (no sequence, minute, code hash or sealed content); the signed package;
every device certificate; the valid ballots of every channel in one ballots.pb,
shuffled once here; the tracking codes; the figures per channel, with small
channels folded together; the rule with every parameter pinned; the protocol.
It is made once per count and kept, so every download is the same file.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context

from ...election import closing, envelope
from ...election.package import canonical_json
from ...election.tally import parameters
from . import counting, exports, key_shares, store, suppression
from .models import Count, Publication
from .protocol import render_protocol

FOLDED = "other channels"


publication = store.publication_of


def make(count: Count, now: datetime) -> Publication:
    """The count's publication, made now if it was not made before."""
    existing = publication(count)
    if existing is not None:
        return existing
    files = build(count)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in sorted(files.items()):
            bundle.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    data = archive.getvalue()
    return store.add_publication(count, now, hashlib.sha256(data).hexdigest(), data)


def files(made: Publication) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(made.archive)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build(count: Count) -> dict[str, bytes]:
    """The publication's files by name, with a manifest of their hashes."""
    package = store.require_election()
    result = counting.outcome(count)
    stored = store.record_count()
    if stored != result["received"]:
        raise counting.CountError(f"{stored - result['received']} records arrived after count {count.id}; count again before publishing")
    held_ids, left_out_by_board = store.held_ballots()
    duplicates = {row.ballot_id for group in store.code_duplicates() for row in group["not_counted"]}
    left_out_ids = (duplicates - held_ids) | left_out_by_board
    stations, left_out, held, counted_codes = [], [], [], []
    for device in store.devices_by_station():
        hashes = []
        for record_hash, ballot_id in store.record_hashes(device.device_id):
            hashes.append(record_hash)
            if ballot_id in held_ids:
                held.append(record_hash)
            elif ballot_id in left_out_ids:
                left_out.append(record_hash)
            else:
                counted_codes.append(envelope.tracking_code(record_hash))
        stations.append({
            "device_id": device.device_id,
            "station": device.station_name,
            "closing_report": closing.published(json.loads(device.closing_report)) if device.closing_report else None,
            "record_hashes": sorted(hashes),
        })
    ballots = exports.ballots_pb(package, count).encode("utf-8")
    threshold = suppression.threshold()
    published = dict(result)
    channels = suppressed_channels(result, threshold)
    published["channels"] = {
        name: {"valid": figures["valid"], "invalid": figures["invalid"], "scores": figures["scores"]} for name, figures in channels.items()
    }
    holders = key_shares.key_holders(count)
    files = {
        "package.zip": store.package_file(),
        "certificates.json": _json([json.loads(device.certificate) for device in store.devices_by_id()]),
        "stations.json": _json(stations),
        "ballots.pb": ballots,
        "tracking-codes.txt": "".join(code + "\n" for code in sorted(counted_codes)).encode("ascii"),
    }
    files["count.json"] = _json(
        {
            "election_id": package.id,
            "count": count.id,
            "package_sha256": hashlib.sha256(files["package.zip"]).hexdigest(),
            "ballots_sha256": hashlib.sha256(ballots).hexdigest(),
            "input_hash": count.input_hash,
            "counting": {"rule": count.counting_rule, "parameters": parameters.of(count.counting_rule)},
            "outcome": published,
            "outcome_hash": hashlib.sha256(canonical_json(published, checked=False)).hexdigest(),
            "count_outcome_hash": count.outcome_hash,
            "channels": {
                name: {key: figures[key] for key in ("received", "valid", "invalid", "held", "left_out", "left_out_reasons")}
                for name, figures in channels.items()
            },
            "left_out_records": sorted(left_out),
            "held_records": sorted(held),
            "suppression_threshold": threshold,
            "sealing_key_opened_by": holders if holders else "one passphrase (trial)",
        }
    )
    files["protocol.html"] = _protocol(count)
    files["manifest.json"] = _json({"files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}})
    return files


def suppressed_channels(result: dict[str, Any], threshold: int) -> dict[str, dict[str, Any]]:
    """Figures per channel; channels other than the stations with fewer than `threshold` ballots are folded into one."""
    channels: dict[str, dict[str, Any]] = {}
    holds = {"undecided": 0, "left_out": 0, **result.get("held", {})}
    for name, figures in result["channels"].items():
        at_stations = name == "station"
        reasons = {
            "voting code used twice": result["left_out_duplicates"] if at_stations else 0,
            "left out by the board": holds["left_out"] if at_stations else 0,
        }
        reasons = {reason: number for reason, number in reasons.items() if number}
        held = holds["undecided"] if at_stations else 0
        received = figures["valid"] + figures["invalid"] + held + sum(reasons.values())
        if not at_stations and received == 0:
            continue
        entry = {
            "received": received,
            "valid": figures["valid"],
            "invalid": figures["invalid"],
            "held": held,
            "left_out": sum(reasons.values()),
            "left_out_reasons": reasons,
            "scores": dict(figures["scores"]),
        }
        target = name if name == "station" or received >= threshold else FOLDED
        if target in channels:
            into = channels[target]
            for key in ("received", "valid", "invalid", "held", "left_out"):
                into[key] += entry[key]
            into["scores"] = {
                project: into["scores"].get(project, 0) + entry["scores"].get(project, 0) for project in set(into["scores"]) | set(entry["scores"])
            }
        else:
            channels[target] = entry
    return channels


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _protocol(count: Count) -> bytes:
    if has_request_context():
        return render_protocol(count).encode("utf-8")
    with current_app.test_request_context("/results/protocol"):
        return render_protocol(count).encode("utf-8")
