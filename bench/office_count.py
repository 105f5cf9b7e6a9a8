"""The office's whole count (open, check, count, store) of 100,000 and 1,000,000 sealed ballots, on SQLite and PostgreSQL.

Enrolled devices seal, sign and chain real ballots with the stations' own code
(in parallel over the cores); the records go straight into an office database
with every record's own signature marked checked, as the background verifier
leaves them before a count. That database is made once per size and kept under
/tmp (never committed); its making is timed apart from the count. The count is
`counting.run`, as `vallokal office tally` and the count job call it, timed from
the first read to the stored outcome, its opening processes started inside the
clock. Targets (issue 15): under 15 s for 100,000 and under 120 s for 1,000,000
on the 2-core machine.

    .venv/bin/python bench/office_count.py [--ballots 100000 1000000] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import resource
import secrets
import shutil
import sqlite3
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from office_ingest import _process_cpu  # the bench's neighbour, run from this folder
from vallokal.election import certificate, envelope, keys, package as packages
from vallokal.sync.office import counting, create_app, prepare, signing_key, store
from vallokal.sync.office.models import Bundle, Device, Record, RecordCheck
from vallokal.web.sqlite import writing

from vallokal.demo import PROJECTS, demo_document

TARGETS = {100_000: 15.0, 1_000_000: 120.0}
CACHE = Path(tempfile.gettempdir()) / "vallokal-office-count"
MADE_VERSION = 2  # 2: rows stored by their own column names, not the store's (whose order changed)
MADE_COLUMNS = ("device_id", "sequence", "election_id", "ballot_id", "sealed", "code_hash", "previous_hash", "cast_minute", "record_hash",
                "signature", "bundle_id")  # the order of make_device's rows, whatever order the store's ingest uses
COPIED_TABLES = (Device, Bundle, Record, RecordCheck)
PHASES = {"reading": "read", "opening": "open", "opened": "shuffle", "checking": "check", "counting": "count", "saving": "store"}


def make_device(number: int, per_device: int, device_secret: bytes, election_id: str, sealing_public: str, minute: str) -> list[tuple]:
    """One device's records as stored rows (without their bundle), sealed, chained and signed by the stations' code."""
    device_key = Ed25519PrivateKey.from_private_bytes(device_secret)
    rng = random.Random(number)
    project_ids = [project_id for project_id, *_ in PROJECTS]
    device_id = device_name(number)
    previous = envelope.genesis_hash(election_id, device_id)
    rows = []
    for sequence in range(1, per_device + 1):
        ballot_id = envelope.new_ballot_id()
        choices = {"selected": sorted(rng.sample(project_ids, rng.randint(1, 3)))}
        sealed = envelope.seal(choices, sealing_public, election_id, device_id, ballot_id)
        record = envelope.BallotRecord(election_id, device_id, sequence, ballot_id, sealed, previous, minute)
        rows.append((device_id, sequence, election_id, ballot_id, sealed, None, previous, minute, record.hash, record.sign(device_key)))
        previous = record.hash
    return rows


def device_name(number: int) -> str:
    return f"dev-count{number:04d}"


def make(ballots: int, devices: int) -> tuple[Path, float]:
    """The cached office folder for this size (made now if missing), and how long making it took (0 when cached)."""
    key = hashlib.sha256(json.dumps([MADE_VERSION, ballots, devices]).encode()).hexdigest()[:12]
    folder = CACHE / f"{ballots}-{devices}-{key}"
    if (folder / "made.json").exists():
        return folder, 0.0
    started = time.perf_counter()
    building = CACHE / f"building-{secrets.token_hex(4)}"
    building.mkdir(parents=True)
    now = datetime.now(timezone.utc)
    authority, sealing = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    office_public = keys.public_text(signing_key(building))
    document = demo_document(keys.public_text(authority), keys.public_text(sealing), now, office_public)
    package_file = packages.build_file(document, authority)
    (building / "sealing.key").write_bytes(sealing.private_bytes_raw())
    (building / "package.vallokal").write_bytes(package_file)
    app = create_app({"AUTHORITY_KEY": keys.public_text(authority), "VERIFY_IN_BACKGROUND": False}, data_dir=building)
    prepare(app)
    per_device = [ballots // devices + (1 if number < ballots % devices else 0) for number in range(devices)]
    device_keys = [Ed25519PrivateKey.generate() for _ in range(devices)]
    minute = envelope.cast_minute(now)
    with app.app_context():
        store.load_package(package_file)
        for number, device_key in enumerate(device_keys):
            store.enrol(certificate.make_request(device_key, device_name(number), f"Station {number}", document["id"], now), authority, now)
        jobs = [(number, per_device[number], device_keys[number].private_bytes_raw(), document["id"], document["keys"]["office_sealing"], minute)
                for number in range(devices)]
        with multiprocessing.get_context("spawn").Pool() as pool:
            for number, rows in enumerate(pool.starmap(make_device, jobs, chunksize=1)):
                with writing(store.db.session):
                    bundle_id = store.db.session.scalar(sa.insert(Bundle).values(
                        sha256=hashlib.sha256(f"bench bundle {number}".encode()).hexdigest(), device_id=device_name(number), channel="network",
                        received_at=now, records_in_bundle=len(rows), records_accepted=len(rows)).returning(Bundle.id))
                    for start in range(0, len(rows), 50_000):
                        store.insert_many(Record.__table__, MADE_COLUMNS, [[*row, bundle_id] for row in rows[start : start + 50_000]], plain=True)
                    store.db.session.execute(sa.update(Device).where(Device.device_id == device_name(number)).values(
                        high_water=len(rows), received=len(rows), last_contact=now))
                print(f"  made device {number + 1} of {devices}", flush=True)
        with writing(store.db.session):
            store.db.session.execute(sa.text("INSERT INTO record_check (record_id, ok, checked_at) SELECT id, 1, :at FROM ballot_record"), {"at": now})
        store.db.engine.dispose()
    (building / "made.json").write_text(json.dumps({"ballots": ballots, "devices": devices, "authority": keys.public_text(authority)}))
    building.rename(folder)
    return folder, time.perf_counter() - started


def office_on_sqlite(made: Path, work: Path):
    shutil.copytree(made, work)
    meta = json.loads((work / "made.json").read_text())
    return create_app({"AUTHORITY_KEY": meta["authority"], "VERIFY_IN_BACKGROUND": False}, data_dir=work)


def office_on_postgres(made: Path, work: Path, url: str):
    """A fresh PostgreSQL schema holding what the cached SQLite database holds (the package loaded the office's way)."""
    work.mkdir()
    shutil.copy(made / "office-signing.pem", work / "office-signing.pem")
    meta = json.loads((made / "made.json").read_text())
    app = create_app({"AUTHORITY_KEY": meta["authority"], "VERIFY_IN_BACKGROUND": False, "DATABASE_URL": url}, data_dir=work)
    prepare(app)
    source = sqlite3.connect(made / "office.sqlite3")
    with app.app_context():
        store.load_package((made / "package.vallokal").read_bytes())
        with writing(store.db.session):
            for model in COPIED_TABLES:
                columns = tuple(column.name for column in model.__table__.columns)
                cursor = source.execute(f"SELECT {', '.join(columns)} FROM {model.__tablename__}")
                while rows := cursor.fetchmany(50_000):
                    store.insert_many(model.__table__, columns, [list(row) for row in rows])
        store.db.engine.dispose()
    source.close()
    return app


def count(app, sealing: X25519PrivateKey, ballots: int) -> dict:
    """One whole count, timed by phase; CPU of this process and of the opening processes."""
    seen: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        seen.setdefault(phase, time.perf_counter())
        if phase == "opening" and done == total:
            seen.setdefault("opened", time.perf_counter())

    with app.app_context():
        before = _own_cpu()
        started = time.perf_counter()
        made = counting.run(sealing, "bench", datetime.now(timezone.utc), progress)
        wall = time.perf_counter() - started
        own = _own_cpu() - before
        pool = app.extensions.get("vallokal_openers")
        openers = sum(_process_cpu(pid) for pid in (pool._processes if pool else {}))
        result = counting.outcome(made)
        stored = store.db.session.scalar(sa.select(sa.func.count()).select_from(counting.store.CountedBallot).where(
            counting.store.CountedBallot.count_id == made.id))
        if pool is not None:
            pool.shutdown()
            app.extensions.pop("vallokal_openers")
        store.db.engine.dispose()
    assert result["valid"] + sum(result["invalid"].values()) == ballots == stored, (result["valid"], result["invalid"], stored)
    marks = [("reading", started), *sorted(seen.items(), key=lambda item: item[1]), ("done", started + wall)]
    phases = {PHASES[name]: later - at for (name, at), (_, later) in zip(marks, marks[1:])}
    return {"wall": wall, "own_cpu": own, "openers_cpu": openers, "phases": phases, "valid": result["valid"]}


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true", help="count on SQLite only")
    arguments = parser.parse_args()
    print(f"load average {_load()} (1, 5, 15 min) at the start; {os.cpu_count()} cores", flush=True)
    for ballots in arguments.ballots:
        made, making = make(ballots, arguments.devices)
        print(f"{ballots:,d} sealed, signed, chained ballots from {arguments.devices} devices: "
              + (f"made in {making:.1f} s" if making else f"cached in {made}"), flush=True)
        sealing = X25519PrivateKey.from_private_bytes((made / "sealing.key").read_bytes())
        target = TARGETS.get(ballots)
        databases = [("SQLite", None)] + ([] if arguments.no_postgres else [("PostgreSQL", arguments.postgres)])
        for name, url in databases:
            with tempfile.TemporaryDirectory() as folder:
                work = Path(folder) / "office"
                schema = None
                if url is None:
                    app = office_on_sqlite(made, work)
                else:
                    schema = f"bench_count_{secrets.token_hex(4)}"
                    engine = sa.create_engine(url)
                    with engine.begin() as connection:
                        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
                    app = office_on_postgres(made, work, f"{url}?options=-csearch_path%3D{schema}")
                try:
                    load = _load()
                    figures = count(app, sealing, ballots)
                finally:
                    if schema is not None:
                        with engine.begin() as connection:
                            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
                        engine.dispose()
            verdict = f"; {figures['wall'] / target:.2f} of the {target:.0f} s target ({'met' if figures['wall'] < target else 'NOT met'})" if target else ""
            print(f"{name:10s} {ballots:>9,d} ballots: whole count {figures['wall']:.1f} s wall{verdict}; CPU {figures['own_cpu']:.1f} s office "
                  f"+ {figures['openers_cpu']:.1f} s opening processes; {figures['valid']:,d} valid; load average {load} before, {_load()} after",
                  flush=True)
            print("           " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in figures["phases"].items()), flush=True)


if __name__ == "__main__":
    main()
