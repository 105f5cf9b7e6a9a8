"""Office ingest with full verification, into PostgreSQL and into SQLite, and bytes per ballot.

Twenty enrolled devices each seal, sign and chain 5,000 real ballots (100,000 in
all), packed in bundles of 500 as stations send them. The office then ingests
every bundle through the same path as `POST /api/v1/bundles` (gunzip, parse,
certificate, bundle signature, chain links, fields, duplicate checks, insert),
timed from the first bundle to the last commit, with the background verifier
checking each record's own signature at the same time; and, side by side, the
old path that checks every record's own signature at ingest. Targets: at least
10,000 verified ballots per second into PostgreSQL; under 400 bytes per ballot
compressed on the wire.

    .venv/bin/python bench/office_ingest.py [--devices 20] [--per-device 5000] [--postgres URL] [--runs postgresql-new,sqlite-new]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import secrets
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from vallokal.election import certificate, envelope, keys, package as packages
from vallokal.sync import bundle as bundles
from vallokal.sync.office import create_app, prepare, signing_key, store

from vallokal.demo import PROJECTS, demo_document

TARGET_PER_SECOND = 10_000
TARGET_BYTES = 400
BUNDLE_SIZE = 500
RUNS = ("postgresql-old", "postgresql-new", "sqlite-old", "sqlite-new")


def make_bundles(devices: int, per_device: int, document: dict, authority: Ed25519PrivateKey, now: datetime) -> list[bytes]:
    """Every device's bundles, the devices made in parallel over the cores (sealing is most of the bench's set-up)."""
    secret = authority.private_bytes_raw()
    with multiprocessing.get_context("spawn").Pool() as pool:
        made = pool.starmap(make_device, [(number, per_device, document, secret, now) for number in range(devices)])
    return [data for device in made for data in device]


def make_device(number: int, per_device: int, document: dict, authority_secret: bytes, now: datetime) -> list[bytes]:
    authority = Ed25519PrivateKey.from_private_bytes(authority_secret)
    rng = random.Random(number)
    project_ids = [project_id for project_id, *_ in PROJECTS]
    made = []
    device_key = Ed25519PrivateKey.generate()
    device_id = f"dev-bench{number:04d}"
    request = certificate.make_request(device_key, device_id, f"Station {number}", document["id"], now)
    issued = certificate.issue(request["body"], authority, now.replace(year=now.year - 1), now.replace(year=now.year + 1))
    previous = envelope.genesis_hash(document["id"], device_id)
    signed = []
    for sequence in range(1, per_device + 1):
        ballot_id = envelope.new_ballot_id()
        choices = {"selected": sorted(rng.sample(project_ids, rng.randint(1, 4)))}
        sealed = envelope.seal(choices, document["keys"]["office_sealing"], document["id"], device_id, ballot_id)
        record = envelope.BallotRecord(document["id"], device_id, sequence, ballot_id, sealed, previous, envelope.cast_minute(now))
        signed.append(bundles.SignedRecord(record, record.sign(device_key)))
        previous = record.hash
    for start in range(0, per_device, BUNDLE_SIZE):
        made.append(bundles.build(signed[start : start + BUNDLE_SIZE], issued, device_key, document["id"], device_id, now.isoformat()))
    return made


def ingest_all(database_url: str | None, folder: Path, package_file: bytes, trusted: str, data: list[bytes], threads: int,
               old_path: bool) -> dict[str, float]:
    """Ingest every bundle from `threads` concurrent senders, as the office's server threads would.

    The old path checks every record's own signature at ingest. The new one
    checks the bundle's signature, the chain and the fields, while a verifier
    thread checks the records' own signatures at the same time on the same
    cores; it is timed until every record can be counted.
    """
    application = f"bench_{secrets.token_hex(4)}"
    if database_url:
        database_url = f"{database_url}&application_name={application}"
    app = create_app({"AUTHORITY_KEY": trusted, "DATABASE_URL": database_url, "VERIFY_RECORDS_AT_INGEST": old_path,
                      "VERIFY_IN_BACKGROUND": False}, data_dir=folder)
    prepare(app)
    with app.app_context():
        store.load_package(package_file)
        pool = store.verifier()
        if pool is not None:
            list(pool.map(abs, range(8)))
    workers_pids = list(pool._processes) if pool is not None else []
    now = datetime.now(timezone.utc)
    queue = list(reversed(data))
    lock = threading.Lock()
    sending = threading.Event()
    sending.set()
    verified = {"records": 0, "seconds": 0.0, "thread_cpu": 0.0}
    sender_cpu = [0.0]

    def sender() -> None:
        with app.app_context():
            while True:
                with lock:
                    if not queue:
                        break
                    item = queue.pop()
                store.ingest(item, "network", now)
        with lock:
            sender_cpu[0] += time.thread_time()

    def verifier() -> None:
        with app.app_context():
            while True:
                started = time.perf_counter()
                checked, _ = store.verify_pending()
                verified["records"] += checked
                verified["seconds"] += time.perf_counter() - started if checked else 0.0
                if not checked and not sending.is_set():
                    break
                if not checked:
                    time.sleep(0.05)
        verified["thread_cpu"] = time.thread_time()

    postgres_before = _postgres_cpu(database_url, application) if database_url else {}
    children_before = sum(_process_cpu(pid) for pid in workers_pids)
    started, cpu_before = time.perf_counter(), _cpu_seconds()
    workers = [threading.Thread(target=sender) for _ in range(threads)]
    checker = threading.Thread(target=verifier) if not old_path else None
    for worker in workers:
        worker.start()
    if checker:
        checker.start()
    for worker in workers:
        worker.join()
    ingested, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_before
    sending.clear()
    if checker:
        checker.join()
    countable = time.perf_counter() - started
    children = sum(_process_cpu(pid) for pid in workers_pids) - children_before
    postgres_after = _postgres_cpu(database_url, application) if database_url else {}
    postgres = sum(seconds - postgres_before.get(pid, 0.0) for pid, seconds in postgres_after.items())
    with app.app_context():
        stored = store.totals()["records"]
        store.db.engine.dispose()
    return {"stored": stored, "ingest_seconds": ingested, "countable_after": countable - ingested, "cpu_seconds": cpu,
            "verifier_rate": verified["records"] / verified["seconds"] if verified["seconds"] else 0.0,
            "sender_cpu": sender_cpu[0], "verifier_thread_cpu": verified["thread_cpu"], "verifier_processes_cpu": children,
            "verified": verified["records"], "postgres_cpu": postgres}


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process of this machine so far (Linux), 0 if it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu(database_url: str, application: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving this run (found by its application name; the server must be local)."""
    with sa.create_engine(database_url.split("?")[0]).connect() as connection:
        pids = connection.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": application}).scalars().all()
    return {pid: _process_cpu(pid) for pid in pids}


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"


def _cpu_seconds() -> float:
    """CPU of the office process, every thread (the verifier's worker processes and PostgreSQL not included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--per-device", type=int, default=5000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--threads", type=int, default=4, help="concurrent senders, like the office server's threads")
    parser.add_argument("--runs", default=",".join(RUNS), help="which of the runs, comma-separated (on a shared machine, one at a time)")
    arguments = parser.parse_args()
    if not set(arguments.runs.split(",")) <= set(RUNS):
        parser.error(f"--runs takes some of {', '.join(RUNS)}, not {arguments.runs!r}")
    now = datetime.now(timezone.utc)
    authority = Ed25519PrivateKey.generate()
    trusted = keys.public_text(authority)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        office_public = keys.public_text(signing_key(root / "sqlite"))
        (root / "postgresql").mkdir()
        (root / "postgresql" / "office-signing.pem").write_bytes((root / "sqlite" / "office-signing.pem").read_bytes())
        document = demo_document(trusted, keys.public_text(X25519PrivateKey.generate()), now, office_public)
        package_file = packages.build_file(document, authority)

        started = time.perf_counter()
        data = make_bundles(arguments.devices, arguments.per_device, document, authority, now)
        ballots = arguments.devices * arguments.per_device
        print(f"load average {_load()} (1, 5, 15 min) at the start", flush=True)
        print(f"made {ballots:,d} sealed, signed, chained ballots from {arguments.devices} devices in {len(data)} bundles "
              f"({time.perf_counter() - started:.1f} s)", flush=True)
        wire = sum(len(item) for item in data)
        print(f"on the wire: {wire:,d} bytes compressed, {wire / ballots:.0f} bytes per ballot "
              f"({wire / ballots / TARGET_BYTES:.2f} of the {TARGET_BYTES}-byte target)")

        schema = f"bench_{secrets.token_hex(4)}"
        engine = sa.create_engine(arguments.postgres)
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        try:
            url = f"{arguments.postgres}?options=-csearch_path%3D{schema}"
            chosen = arguments.runs.split(",")
            for name, database in [("PostgreSQL", url), ("SQLite", None)]:
                for old_path in (True, False):
                    if f"{name.lower()}-{'old' if old_path else 'new'}" not in chosen:
                        continue
                    folder = root / ("postgresql" if database else "sqlite") / ("old" if old_path else "new")
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / "office-signing.pem").write_bytes((root / "sqlite" / "office-signing.pem").read_bytes())
                    if database:
                        with engine.begin() as connection:
                            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
                    figures = ingest_all(database, folder, package_file, trusted, data, arguments.threads, old_path)
                    rate = figures["stored"] / figures["ingest_seconds"]
                    path = "old path (every record's signature at ingest)" if old_path else "new path (bundle signature, chain, fields; verifier alongside)"
                    stored = figures["stored"]
                    print(f"{name:10s} {path}: {stored:,d} ballots stored in {figures['ingest_seconds']:.1f} s = {rate:,.0f} per second "
                          f"({rate / TARGET_PER_SECOND:.2f} of the {TARGET_PER_SECOND:,d}/s target); office process CPU "
                          f"{figures['cpu_seconds'] / stored * 1e6:.0f} µs per ballot; load average {_load()}", flush=True)
                    postgres = f", PostgreSQL's backends {figures['postgres_cpu'] / stored * 1e6:.0f} µs" if database else ""
                    print(f"{'':10s}   CPU per ballot: ingest's threads {figures['sender_cpu'] / stored * 1e6:.0f} µs{postgres}", flush=True)
                    if not old_path:
                        verified = max(figures["verified"], 1)
                        print(f"{'':10s}   verifier: {figures['verifier_rate']:,.0f} record signatures per second while ingest ran; "
                              f"every record countable {figures['countable_after']:.1f} s after the last bundle; CPU per record "
                              f"{figures['verifier_thread_cpu'] / verified * 1e6:.0f} µs in the office process, "
                              f"{figures['verifier_processes_cpu'] / verified * 1e6:.0f} µs in its processes (nice {store.VERIFIER_NICENESS})", flush=True)
                    else:
                        print(f"{'':10s}   record signatures checked at ingest: {figures['verifier_processes_cpu'] / stored * 1e6:.0f} µs CPU per record "
                              "in the verifier's processes", flush=True)
        finally:
            with engine.begin() as connection:
                connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()


if __name__ == "__main__":
    main()
