"""`vallokal simulate`: a whole vote rehearsed on this machine, with real servers on loopback.

An office and N stations run as their own processes; voters cast random valid
ballots through the stations' pages; the stations' outboxes deliver through a
proxy that injects network faults when asked; at the end the office's counts
are compared with the stations'.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class HttpVoter:
    """One browser's worth of state: a keep-alive connection and its cookies (session, tablet pairing).

    With an `ssl_context` it speaks https, as a tablet does through the station's TLS terminator.
    """

    def __init__(self, host: str, port: int, ssl_context: Any = None, host_header: str | None = None) -> None:
        if ssl_context is None:
            self.connection = http.client.HTTPConnection(host, port, timeout=60)
        else:
            self.connection = http.client.HTTPSConnection(host, port, timeout=60, context=ssl_context)
        self.host_header = host_header
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, fields: dict[str, Any] | None = None) -> tuple[int, str, bytes]:
        headers = {"Cookie": self.cookie} if self.cookies else {}
        if self.host_header:
            headers["Host"] = self.host_header
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header in response.msg.get_all("Set-Cookie") or []:
            self.set_cookies.append(header)
            name, _, value = header.split(";", 1)[0].partition("=")
            if value.strip('"') and "max-age=0" not in header.lower() and "expires=thu, 01 jan 1970" not in header.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response.status, response.getheader("Location") or "", content

    def close(self) -> None:
        self.connection.close()

    def pair(self, url_or_token: str) -> None:
        """Open a pairing URL and press its button, as staff do on a new tablet."""
        path = "/pair/" + url_or_token.rstrip("/").rsplit("/", 1)[-1]
        status, location, _ = self.post(path, path)
        assert status == 302, (status, location)

    def get(self, path: str) -> bytes:
        return self.request("GET", path)[2]

    def post(self, path: str, token_from: str, fields: dict[str, Any] | None = None) -> tuple[int, str, bytes]:
        token = CSRF.search(self.get(token_from).decode("utf-8")).group(1)
        return self.request("POST", path, {"csrf_token": token, **(fields or {})})

    def vote(self, fields: dict[str, Any]) -> None:
        """Start, confirm eligibility, fill in the ballot, cast and finish; raises on any surprise."""
        assert self.post("/start", "/")[0] == 302
        assert self.post("/eligibility", "/eligibility", {"confirm": "yes"})[0] == 302
        status, location, _ = self.post("/ballot", "/ballot", fields)
        assert status == 302 and location.endswith("/review"), (status, location)
        status, location, _ = self.post("/cast", "/review")
        assert status == 302 and location.endswith("/receipt"), (status, location)
        self.post("/done", "/receipt")


def random_ballot(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Form fields of a random ballot that is valid under the package's rule."""
    projects = [(project["id"], project["cost"]) for project in document["projects"]]
    rng.shuffle(projects)
    rule = document["ballot"]
    kind = rule["rule"]
    if kind == "knapsack":
        chosen, spent = [], 0
        for project_id, cost in projects:
            if spent + cost <= document["budget"] and rng.random() < 0.6:
                chosen.append(project_id)
                spent += cost
        if not chosen:
            chosen = [min(projects, key=lambda item: item[1])[0]]
        return {"project": chosen}
    if kind == "approval":
        low, high = rule.get("min_selections", 1), rule.get("max_selections") or len(projects)
        return {"project": [project_id for project_id, _ in projects[: rng.randint(max(low, 1), high)]]}
    if kind == "ranking":
        count = rng.randint(max(rule.get("min_rank", 1), 1), rule["max_rank"])
        return {f"rank-{place}": project_id for place, (project_id, _) in enumerate(projects[:count], start=1)}
    cap = rule.get("max_per_project") or rule["total"]
    points: dict[str, int] = {}
    left = min(rule["total"] if rule.get("use_all") else rng.randint(1, rule["total"]), cap * len(projects))
    while left > 0:
        for project_id, _ in projects:
            given = min(rng.randint(0, cap - points.get(project_id, 0)), left)
            points[project_id] = points.get(project_id, 0) + given
            left -= given
    return {f"points-{project_id}": str(count) for project_id, count in points.items() if count}


def _vote_at(address: tuple[str, int], document: dict[str, Any], voters: int, seed: int) -> int:
    rng = random.Random(seed)
    voter = HttpVoter(*address)
    for _ in range(voters):
        voter.vote(random_ballot(document, rng))
    return voters


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise click.ClickException(f"no server came up on port {port}")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def serve(command: list[str], stack: ExitStack, log: Path) -> None:
    handle = log.open("wb")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        handle.close()

    stack.callback(stop)


def run(stations: int, voters: int, faults: float, folder: Path, seed: int, sync_timeout: float, publish: Path | None = None) -> dict[str, Any]:
    # Spawned voter processes import this module to run _vote_at; they need none of the apps, so these load here.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from .demo import demo_document
    from .election import keys, package as packages
    from .kiosk import create_app as create_station, outbox, prepare as prepare_station, store as station_store
    from .sync.faults import FaultyProxy
    from .sync.office import create_app as create_office, prepare as prepare_office, signing_key, store as office_store

    now = datetime.now(timezone.utc)
    vallokal = [sys.executable, "-m", "vallokal"]
    authority, sealing = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    trusted = keys.public_text(authority)
    office_dir = folder / "office"
    office_dir.mkdir(parents=True)
    (office_dir / "office.toml").write_text(f'AUTHORITY_KEY = "{trusted}"\nREHEARSAL = true\n', encoding="utf-8")
    document = demo_document(trusted, keys.public_text(sealing), now, keys.public_text(signing_key(office_dir)), election_id="rehearsal")
    package_file = packages.build_file(document, authority)
    office = create_office(data_dir=office_dir)
    prepare_office(office)
    with office.app_context():
        office_store.load_package(package_file)

    office_port = free_port()
    with ExitStack() as stack:
        serve([*vallokal, "office", "serve", "--data", str(office_dir), "--port", str(office_port)], stack, folder / "office.log")
        wait_for_port(office_port)
        proxy = FaultyProxy(("127.0.0.1", office_port), faults, seed).start()
        stack.callback(proxy.stop)

        addresses: dict[str, tuple[str, int]] = {}
        station_apps = []
        for number in range(1, stations + 1):
            name = f"Station {number}"
            station_dir = folder / f"station-{number}"
            station_dir.mkdir()
            (station_dir / "station.toml").write_text(
                f'STATION_NAME = "{name}"\nAUTHORITY_KEY = "{trusted}"\nOFFICE_URL = "{proxy.address}"\n'
                "SYNC_INTERVAL_SECONDS = 1\nSYNC_FIRST_BACKOFF_SECONDS = 0.2\nSYNC_TIMEOUT_SECONDS = 10\n",
                encoding="utf-8",
            )
            station = create_station(data_dir=station_dir)
            prepare_station(station)
            with station.app_context():
                station_store.load_package(package_file, now)
                station_store.set_pin(f"{random.Random(seed + number).randrange(10**8):08d}")
                station_store.open_polls(now)
                request = outbox.enrolment_request()
                with office.app_context():
                    issued = office_store.enrol(request, authority, now)
                outbox.install_certificate(issued)
                device_id = station_store.station().device_id
            station_apps.append(station)
            port = free_port()
            serve([*vallokal, "station", "serve", "--data", str(station_dir), "--port", str(port)], stack, folder / f"station-{number}.log")
            addresses[device_id] = ("127.0.0.1", port)
        for _, port in addresses.values():
            wait_for_port(port)

        shares = [voters // stations + (1 if index < voters % stations else 0) for index in range(stations)]
        with multiprocessing.get_context("spawn").Pool(stations) as pool:
            pool.starmap(_vote_at, [(address, document, share, seed + index) for index, (address, share) in enumerate(zip(addresses.values(), shares))])

        deadline = time.monotonic() + sync_timeout
        health: dict[str, Any] = {}
        while time.monotonic() < deadline:
            health = {device_id: get_json(f"http://{host}:{port}/healthz") for device_id, (host, port) in addresses.items()}
            if all(item["unsynced"] == 0 for item in health.values()):
                break
            time.sleep(0.5)

        published = None
        if publish is not None:
            published = _close_count_publish(office, station_apps, sealing, publish, time.monotonic() + sync_timeout)
        summary_stations = {}
        with office.app_context():
            for row in office_store.stations():
                device = row["device"]
                summary_stations[device.station_name] = {"cast": health[device.device_id]["ballots_cast"], "received": device.received}
            stored, distinct = office_store.stored_and_distinct_ballots()
            office_store.db.engine.dispose()
        cast = sum(item["cast"] for item in summary_stations.values())
        received = sum(item["received"] for item in summary_stations.values())
        return {
            "stations": summary_stations,
            "cast": cast,
            "received": received,
            "missing": sum(max(0, item["cast"] - item["received"]) for item in summary_stations.values()),
            "duplicates": stored - distinct,
            "faults": dict(proxy.counts),
            **({"published": published} if published else {}),
        }


REHEARSAL_BOARD = ["rehearsal member 1", "rehearsal member 2", "rehearsal member 3", "rehearsal member 4", "rehearsal member 5"]


def _close_count_publish(office: Any, station_apps: list[Any], sealing: Any, folder: Path, deadline: float) -> dict[str, Any]:
    """Close the polls, wait for every closing report, count with the rehearsal board's shares, publish into `folder`."""
    from .kiosk import store as station_store
    from .sync.office import counting, key_shares, publication, store as office_store

    for station in station_apps:
        with station.app_context():
            station_store.close_polls(datetime.now(timezone.utc))
    with office.app_context():
        while True:
            missing = office_store.missing_closing_reports()
            if not missing:
                break
            if time.monotonic() > deadline:
                raise click.ClickException(f"{missing} stations' closing reports did not reach the office in time")
            time.sleep(0.5)
        office_dir = Path(office.instance_path)
        shares = key_shares.split_sealing_key(office_dir / "rehearsal-board", sealing, REHEARSAL_BOARD, 3)
        key, holders = key_shares.open_sealing_key(office_dir / "rehearsal-board", [share.text for _, share in shares[1:4]])
        first_clerk, second_clerk = office_store.REHEARSAL_CLERKS
        count = counting.run(key, first_clerk, datetime.now(timezone.utc))
        key_shares.note_key_holders(count, holders)
        made = publication.make(count, datetime.now(timezone.utc))
        counting.publish(count.id, datetime.now(timezone.utc), published_by=first_clerk, approved_by=second_clerk)
        result = counting.outcome(count)
        folder.mkdir(parents=True)
        for name, data in publication.files(made).items():
            (folder / name).write_bytes(data)
        office_store.db.session.remove()
    return {"folder": str(folder), "count": count.id, "valid": result["valid"], "winners": result["winners"], "opened_by": holders}


@click.command("simulate")
@click.option("--stations", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--voters", default=300, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--faults", default=0.0, show_default=True, type=click.FloatRange(0, 0.9), help="Share of requests to the office that suffer a network fault.")
@click.option("--json", "as_json", is_flag=True, help="Print one line of JSON.")
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), help="Keep the rehearsal's data and logs in this folder.")
@click.option(
    "--sync-timeout", default=300, show_default=True, type=click.FloatRange(1, 3600),
    help="Seconds to wait for the stations to deliver after the last voter.",
)
@click.option(
    "--publish", "publish_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Close the polls, count with the rehearsal board's shares, and write the publication to this new folder (for `vallokal verify`).",
)
def simulate(stations: int, voters: int, faults: float, as_json: bool, seed: int, keep: Path | None, sync_timeout: float, publish_dir: Path | None) -> None:
    """Rehearse a whole vote here: an office, stations, voters, sync (with faults), and a count."""
    started = time.monotonic()
    if publish_dir is not None and publish_dir.exists():
        raise click.BadParameter(f"{publish_dir} exists already; name a folder that does not", param_hint="--publish")
    publish = publish_dir.resolve() if publish_dir is not None else None
    if keep:
        keep.mkdir(parents=True, exist_ok=False)
        summary = run(stations, voters, faults, keep.resolve(), seed, sync_timeout, publish)
    else:
        with tempfile.TemporaryDirectory(prefix="vallokal-simulate-") as folder:
            summary = run(stations, voters, faults, Path(folder), seed, sync_timeout, publish)
    faults_seen = summary.pop("faults")
    if as_json:
        click.echo(json.dumps(summary))
    else:
        for name, counts in summary["stations"].items():
            click.echo(f"{name}: cast {counts['cast']}, received by the office {counts['received']}")
        click.echo(f"total: cast {summary['cast']}, received {summary['received']}, missing {summary['missing']}, duplicates {summary['duplicates']}")
        click.echo(f"network faults injected: {', '.join(f'{name} {count}' for name, count in sorted(faults_seen.items()))}")
        if "published" in summary:
            published = summary["published"]
            click.echo(f"count {published['count']}: {published['valid']} valid ballots, opened by {', '.join(published['opened_by'])}; "
                       f"published in {published['folder']} (check it with: vallokal verify {published['folder']})")
        click.echo(f"took {time.monotonic() - started:.0f} s")
    if summary["missing"] or summary["duplicates"] or summary["cast"] != summary["received"]:
        raise SystemExit(1)
