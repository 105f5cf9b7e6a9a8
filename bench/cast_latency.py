"""Cast-to-commit time at a station under waitress, with synchronous=FULL.

Runs the demo station as a real process, lets 4 concurrent clients vote, and
times each POST /cast: the station seals, signs, chains and commits the ballot
before it answers. Targets: p99 under 60 ms through the TLS terminator with 4
paired clients (issue 13), under 50 ms direct (the first station issue).

    .venv/bin/python bench/cast_latency.py [--casts 2000] [--clients 4] [--tls]
    .venv/bin/python bench/cast_latency.py --casts 400 --breakdown
    .venv/bin/python bench/cast_latency.py --casts 1000 --tls --runs 3

Each run also prints the CPU per vote (10 requests) of the station's process, of Caddy
and of the bench's own clients: on a shared machine the latency moves with the load,
the station's CPU per vote hardly does.
Every client is a paired tablet (a one-time URL from `vallokal station pair`); with
--tls they reach the station through Caddy, as tablets on a shared network do.
--breakdown runs the same load four times (direct; through Caddy; through Caddy with
the PIN forms' limiter taken out, which the voter flow never reaches; through Caddy with Flask's signed-cookie
sessions in place of the server-side ones, see serve_variant.py) and prints what the
terminator, the limiter and the sessions each add, with the load average of each run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import statistics
import time

from station_client import HttpVoter, client_context, cpu_seconds, pairing_url, running_station

from vallokal.simulate import CSRF

PROJECTS = ["belysning", "utegym", "bankar", "odling", "laxhjalp", "konstgras", "lekplats", "cykelstall", "sommarbio", "fontaner", "tunneln", "skugga"]
COSTS = dict(zip(PROJECTS, [180_000, 250_000, 60_000, 95_000, 140_000, 420_000, 310_000, 75_000, 45_000, 110_000, 160_000, 85_000]))
TARGET_P99_MS = 60.0  # through the TLS terminator
TARGET_DIRECT_P99_MS = 50.0
RUNS = [  # (label, through Caddy, parts swapped for no-ops)
    ("direct to waitress", False, ()),
    ("through Caddy (TLS)", True, ()),
    ("through Caddy, PIN forms' limit out", True, ("no-limiter",)),
    ("through Caddy, signed-cookie sessions", True, ("cookie-sessions",)),
]


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


def measure(casts: int, clients: int, threads: int | None, tls: bool, swapped: tuple[str, ...] = ()) -> dict:
    """One run: `clients` paired tablets voting at once; the cast times and the load average around them."""
    per_client = casts // clients
    load_before = os.getloadavg()[0]
    with running_station(threads, tls=tls, swapped=swapped) as (host, port, data, processes):
        pairings = [pairing_url(data) for _ in range(clients)]
        ca_folder = str(data) if tls else None
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        clients_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        with multiprocessing.Pool(clients) as pool:
            results = pool.starmap(vote_repeatedly, [(host, port, seed, per_client, pairings[seed], ca_folder) for seed in range(clients)])
        wall = time.perf_counter() - began
        clients_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in processes.items()}
        health = HttpVoter(host, port, ssl_context=client_context(data) if tls else None).get("/healthz").decode()
    timings = [timing for result in results for timing in result]
    votes = per_client * clients
    cpu["clients"] = (clients_after.ru_utime + clients_after.ru_stime) - (clients_before.ru_utime + clients_before.ru_stime)
    return {
        "timings": timings, "wall": wall, "health": health,
        "cpu_ms_per_vote": {name: seconds * 1000 / votes for name, seconds in cpu.items()},
        "p50": percentile(timings, 0.5), "p95": percentile(timings, 0.95), "p99": percentile(timings, 0.99),
        "max": max(timings), "mean": statistics.mean(timings), "load": (load_before, os.getloadavg()[0]),
    }


def cpu_text(run: dict) -> str:
    return ", ".join(f"{name} {ms:.1f}" for name, ms in run["cpu_ms_per_vote"].items())


def verdict(p99: float, target: float) -> str:
    return f"p99 {p99:.1f} ms is {p99 / target:.2f} of the {target:.0f} ms target ({'met' if p99 < target else 'NOT met'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--casts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None, help="station worker threads (default: as the station chooses)")
    parser.add_argument("--tls", action="store_true", help="through Caddy terminating TLS, as tablets on the network")
    parser.add_argument("--runs", type=int, default=1, help="repeat the run, for the spread of p99 (not with --breakdown)")
    parser.add_argument("--breakdown", action="store_true", help="four runs: direct, through Caddy, and through Caddy without the PIN forms' limiter "
                        "check or with cookie sessions")
    arguments = parser.parse_args()

    if arguments.breakdown:
        runs = [(label, measure(arguments.casts, arguments.clients, arguments.threads, tls, swapped)) for label, tls, swapped in RUNS]
        print(f"{arguments.casts} casts per run from {arguments.clients} concurrent paired clients; cast-to-commit ms; "
              f"{os.cpu_count()} cores")
        print(f"  {'run':<40} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'whole run':>10}  load average (1 min) before/after;"
              " CPU ms per vote")
        for label, run in runs:
            print(f"  {label:<40} {run['p50']:7.1f} {run['p95']:7.1f} {run['p99']:7.1f} {run['max']:7.1f} {run['wall']:9.1f}s  "
                  f"{run['load'][0]:.2f} / {run['load'][1]:.2f};  {cpu_text(run)}")
        direct, caddy, no_limiter, cookies = (run for _, run in runs)
        for name, share in (("p50", "p50"), ("p99", "p99")):
            print(f"  {name}: the terminator adds {caddy[share] - direct[share]:+.1f} ms; the PIN forms' limiter "
                  f"{caddy[share] - no_limiter[share]:+.1f} ms; the server-side sessions {caddy[share] - cookies[share]:+.1f} ms "
                  "(differences between runs on a shared machine: read them beside the load averages)")
        print(f"through Caddy: {verdict(caddy['p99'], TARGET_P99_MS)}; direct: {verdict(direct['p99'], TARGET_DIRECT_P99_MS)}")
        return

    target = TARGET_P99_MS if arguments.tls else TARGET_DIRECT_P99_MS
    runs = []
    for number in range(1, arguments.runs + 1):
        run = measure(arguments.casts, arguments.clients, arguments.threads, arguments.tls)
        runs.append(run)
        print(f"run {number}: {len(run['timings'])} casts from {arguments.clients} concurrent paired clients"
              f"{' through Caddy (TLS)' if arguments.tls else ''} in {run['wall']:.1f} s (whole voter flow); "
              f"load average {run['load'][0]:.2f} before, {run['load'][1]:.2f} after")
        print(f"  cast-to-commit ms: p50 {run['p50']:.1f}  p95 {run['p95']:.1f}  p99 {run['p99']:.1f}  max {run['max']:.1f}  mean {run['mean']:.1f}")
        print(f"  CPU ms per vote (10 requests): {cpu_text(run)}")
        print(f"  station health afterwards: {run['health']}")
    p99s = sorted(run["p99"] for run in runs)
    station_cpu = sorted(run["cpu_ms_per_vote"]["station"] for run in runs)
    print(f"p99 over {len(runs)} run(s): median {statistics.median(p99s):.1f} ms (from {p99s[0]:.1f} to {p99s[-1]:.1f}); "
          f"station CPU per vote median {statistics.median(station_cpu):.1f} ms")
    print(f"target: {verdict(statistics.median(p99s), target)}")


if __name__ == "__main__":
    main()
