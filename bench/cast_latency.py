"""Cast-to-commit time at a station under waitress, with synchronous=FULL.

Runs the demo station as a real process, lets 4 concurrent clients vote, and
times each POST /cast: the station seals, signs, chains and commits the ballot
before it answers. Target: p99 under 50 ms on a 2-core machine.

    .venv/bin/python bench/cast_latency.py [--casts 2000] [--clients 4] [--tls]

Every client is a paired tablet (a one-time URL from `vallokal station pair`); with
--tls they reach the station through Caddy, as tablets on a shared network do.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import time

from station_client import HttpVoter, client_context, pairing_url, running_station

from vallokal.simulate import CSRF

PROJECTS = ["belysning", "utegym", "bankar", "odling", "laxhjalp", "konstgras", "lekplats", "cykelstall", "sommarbio", "fontaner", "tunneln", "skugga"]
COSTS = dict(zip(PROJECTS, [180_000, 250_000, 60_000, 95_000, 140_000, 420_000, 310_000, 75_000, 45_000, 110_000, 160_000, 85_000]))
TARGET_P99_MS = 50.0


def random_ballot(rng: random.Random) -> list[str]:
    chosen, spent = [], 0
    for project in rng.sample(PROJECTS, len(PROJECTS)):
        if spent + COSTS[project] <= 1_000_000 and rng.random() < 0.6:
            chosen.append(project)
            spent += COSTS[project]
    return chosen or ["bankar"]


def vote_repeatedly(host: str, port: int, seed: int, count: int, pairing: str, ca_folder: str | None) -> list[float]:
    """One paired tablet, in its own process: vote `count` times, timing each POST /cast."""
    from pathlib import Path

    rng = random.Random(seed)
    voter = HttpVoter(host, port, ssl_context=client_context(Path(ca_folder)) if ca_folder else None)
    voter.pair(pairing)
    timings = []
    for _ in range(count):
        voter.check_in_and_choose(random_ballot(rng))
        token = CSRF.search(voter.get("/review").decode("utf-8")).group(1)
        started = time.perf_counter()
        status, location, _ = voter.request("POST", "/cast", {"csrf_token": token})
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 302 and location.endswith("/receipt"), (status, location)
        voter.post("/done", "/receipt")
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--casts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None, help="station worker threads (default: as the station chooses)")
    parser.add_argument("--tls", action="store_true", help="through Caddy terminating TLS, as tablets on the network")
    arguments = parser.parse_args()

    per_client = arguments.casts // arguments.clients
    with running_station(arguments.threads, tls=arguments.tls) as (host, port, data):
        pairings = [pairing_url(data) for _ in range(arguments.clients)]
        ca_folder = str(data) if arguments.tls else None
        began = time.perf_counter()
        with multiprocessing.Pool(arguments.clients) as pool:
            results = pool.starmap(vote_repeatedly, [(host, port, seed, per_client, pairings[seed], ca_folder) for seed in range(arguments.clients)])
        wall = time.perf_counter() - began
        health = HttpVoter(host, port, ssl_context=client_context(data) if arguments.tls else None).get("/healthz").decode()
    timings = [timing for result in results for timing in result]

    p99 = percentile(timings, 0.99)
    print(f"casts: {len(timings)} from {arguments.clients} concurrent paired clients{' through Caddy (TLS)' if arguments.tls else ''} in {wall:.1f} "
        "s (whole voter flow)")
    print(f"cast-to-commit ms: p50 {percentile(timings, 0.5):.1f}  p95 {percentile(timings, 0.95):.1f}  "
          f"p99 {p99:.1f}  max {max(timings):.1f}  mean {statistics.mean(timings):.1f}")
    print(f"target p99 < {TARGET_P99_MS:.0f} ms: p99 is {p99 / TARGET_P99_MS:.2f} of the target "
          f"({'met' if p99 < TARGET_P99_MS else 'NOT met'})")
    print(f"station health afterwards: {health}")


if __name__ == "__main__":
    main()
