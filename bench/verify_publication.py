"""`vallokal verify` on a large publication: build one of N ballots without the office, then time the checker.

The publication is made here from the pure core (package, certificates, signed
closing reports over random record hashes, ballots.pb, tracking codes, count)
so that the bench measures the checker alone. Target: 100 000 ballots in under 30 s.

    .venv/bin/python bench/verify_publication.py [--ballots 100000] [--stations 10] [--rule greedy]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import time
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from vallokal.election import certificate as certificates, closing, envelope, keys, merkle, package as packages, verify
from vallokal.election.package import canonical_json
from vallokal.election.rules import Ballot
from vallokal.election.tally import outcome as outcomes, pabulib, parameters

from vallokal.demo import demo_document
from vallokal.simulate import random_ballot

TARGET_SECONDS = 30.0


def publication(ballots: int, stations: int, rule: str, seed: int) -> dict[str, bytes]:
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    authority = Ed25519PrivateKey.generate()
    document = demo_document(keys.public_text(authority), keys.public_text(X25519PrivateKey.generate()), now)
    document["counting"]["rule"] = rule
    package_file = packages.build_file(document, authority)
    package = packages.read_file(package_file, keys.public_text(authority)).package
    certificate_documents, station_entries, every_hash = [], [], []
    for number in range(stations):
        device_key, device_id = Ed25519PrivateKey.generate(), f"dev-{number:03d}"
        request = certificates.make_request(device_key, device_id, f"Station {number}", package.id, now)
        certificate_documents.append(certificates.issue(certificates.read_request(request), authority, now - timedelta(days=1), now + timedelta(days=30)))
        hashes = sorted(os.urandom(32).hex() for _ in range(ballots // stations + (1 if number < ballots % stations else 0)))
        every_hash += hashes
        report = {"report": "closing", "station": f"Station {number}", "device_id": device_id, "election_id": package.id,
                  "package_sha256": hashlib.sha256(package_file).hexdigest(), "ballots_cast": len(hashes), "chain_head": None,
                  "at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "merkle_root": merkle.root(hashes)}
        station_entries.append(
            {"device_id": device_id, "station": f"Station {number}", "closing_report": closing.sign(report, device_key), "record_hashes": hashes}
        )
    chosen = [tuple(random_ballot(document, rng)["project"]) for _ in range(ballots)]
    counted = outcomes.count(package.rule, rule, [project.id for project in package.projects], [Ballot(selected=item) for item in chosen]).as_dict()
    projects = {project.id: {"project_id": project.id, "cost": str(project.cost), "name": project.id} for project in package.projects}
    meta = {
        "description": "bench",
        "country": "Sweden",
        "unit": "Stockholm",
        "instance": package.id,
        "num_projects": str(len(projects)),
        "num_votes": str(ballots),
        "budget": str(package.budget),
        "vote_type": "approval",
        "rule": rule,
    }
    votes = [pabulib.Vote(str(number), item) for number, item in enumerate(chosen, start=1)]
    ballots_pb = pabulib.write(
        pabulib.Election(meta=meta, projects=projects, votes=votes, project_columns=["project_id", "cost", "name"], vote_columns=["voter_id", "vote"])
    ).encode()
    files = {
        "package.zip": package_file,
        "certificates.json": json.dumps(certificate_documents).encode(),
        "stations.json": json.dumps(station_entries).encode(),
        "ballots.pb": ballots_pb,
        "tracking-codes.txt": "".join(code + "\n" for code in sorted(envelope.tracking_code(value) for value in every_hash)).encode(),
        "protocol.html": b"<!doctype html><title>protocol</title>",
    }
    files["count.json"] = json.dumps(
        {
            "package_sha256": hashlib.sha256(package_file).hexdigest(),
            "ballots_sha256": hashlib.sha256(ballots_pb).hexdigest(),
            "counting": {"rule": rule, "parameters": parameters.of(rule)},
            "outcome": counted,
            "outcome_hash": hashlib.sha256(canonical_json(counted, checked=False)).hexdigest(),
            "channels": {"station": {"received": ballots, "valid": ballots, "invalid": 0, "held": 0, "left_out": 0}},
            "left_out_records": [],
        }
    ).encode()
    files["manifest.json"] = json.dumps({"files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}).encode()
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--stations", type=int, default=10)
    parser.add_argument("--rule", default="greedy")
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()
    started = time.perf_counter()
    files = publication(arguments.ballots, arguments.stations, arguments.rule, arguments.seed)
    built = time.perf_counter() - started
    started = time.perf_counter()
    results = verify.verify(files)
    took = time.perf_counter() - started
    for check in results:
        print(f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {check.reason[:110]}")
    print(
        f"{arguments.ballots} ballots, {arguments.stations} stations, rule {arguments.rule}: built in {built:.1f} s, verified in {took:.1f} s "
        f"(target under {TARGET_SECONDS:.0f} s: {'met' if took < TARGET_SECONDS else 'NOT met'})"
    )
    if not all(check.passed for check in results) or took >= TARGET_SECONDS:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
