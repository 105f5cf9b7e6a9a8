"""Where the station's CPU goes in the voter flow, without the network: the real app, in this process.

Drives the demo station's app with Flask's test client, as a paired tablet behind the TLS
terminator (X-Forwarded-For and X-Forwarded-Proto as Caddy sends them), and prints the
CPU time per page and the functions that take the most, under cProfile. CPU time per
request is what decides the cast latency on a saturated 2-core device, and unlike the
wall clock it hardly moves with what else the machine is doing.

    .venv/bin/python bench/cast_profile.py [--votes 200] [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import event
from station_client import VALLOKAL
from vallokal.kiosk import create_app, prepare

from vallokal.simulate import CSRF

FORWARDED = {"X-Forwarded-For": "10.42.0.23", "X-Forwarded-Proto": "https"}
BALLOT = ["bankar", "odling", "sommarbio"]


class ProfiledTablet:
    """One paired tablet on the test client, timing each request's CPU by page."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.cpu: dict[str, list[float]] = defaultdict(list)

    def request(self, method: str, path: str, data: dict | None = None):
        started = time.thread_time()
        response = self.client.open(path, method=method, data=data, headers=FORWARDED, base_url="https://127.0.0.1")
        self.cpu[f"{method} {path}"].append((time.thread_time() - started) * 1000)
        return response

    def post(self, path: str, token_from: str, fields: dict | None = None):
        token = CSRF.search(self.request("GET", token_from).get_data(as_text=True)).group(1)
        return self.request("POST", path, {"csrf_token": token, **(fields or {})})

    def vote(self) -> None:
        assert self.post("/start", "/").status_code == 302
        assert self.post("/eligibility", "/eligibility", {"confirm": "yes"}).status_code == 302
        assert self.post("/ballot", "/ballot", {"project": BALLOT}).headers["Location"].endswith("/review")
        assert self.post("/cast", "/review").headers["Location"].endswith("/receipt")
        self.post("/done", "/receipt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="a pstats sort key: cumulative, tottime, ncalls")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vallokal-profile-") as folder:
        data = Path(folder)
        subprocess.run([*VALLOKAL, "demo", "--data", str(data), "--no-serve"], check=True, capture_output=True)
        subprocess.run([*VALLOKAL, "station", "tls", "--data", str(data / "station"), "--name", "127.0.0.1"], check=True, capture_output=True)
        token = subprocess.run([*VALLOKAL, "station", "pair", "--data", str(data / "station")], check=True, capture_output=True,
                               text=True).stdout.strip().rsplit("/", 1)[-1]
        app = create_app(data_dir=data / "station")
        prepare(app)
        tablet = ProfiledTablet(app)
        assert tablet.post(f"/pair/{token}", f"/pair/{token}").status_code == 302
        for _ in range(20):
            tablet.vote()
        tablet.cpu.clear()
        statements = count_statements(app)
        for _ in range(arguments.votes):
            tablet.vote()
        statements_per_vote = statements() / arguments.votes
        unprofiled, tablet.cpu = tablet.cpu, defaultdict(list)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(arguments.votes):
            tablet.vote()
        profile.disable()
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
    print(f"CPU ms per request, median over {arguments.votes} votes:")
    print(f"  {'request':<22} {'plain':>7} {'profiled':>9}")
    for page, values in sorted(unprofiled.items(), key=lambda item: -sum(item[1])):
        print(f"  {page:<22} {statistics.median(values):7.2f} {statistics.median(tablet.cpu[page]):9.2f}")
    per_vote = sum(statistics.median(values) for values in unprofiled.values())
    print(f"  {'per vote (10 requests)':<22} {per_vote:7.1f} {sum(statistics.median(values) for values in tablet.cpu.values()):9.1f}")
    stats = pstats.Stats(profile)
    print(f"  SQL statements per vote {statements_per_vote:.1f} (BEGINs included); "
          f"Python function calls per vote {stats.total_calls / arguments.votes:,.0f}")
    stats.sort_stats(arguments.sort).print_stats(arguments.top)


def count_statements(app):
    """Count every statement the app's engine sends, BEGINs included; returns a reader."""
    counted = [0]
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    @event.listens_for(engine, "before_cursor_execute")
    def statement(*_) -> None:
        counted[0] += 1

    @event.listens_for(engine, "begin")
    def begin(*_) -> None:
        counted[0] += 1

    return lambda: counted[0]


if __name__ == "__main__":
    main()
