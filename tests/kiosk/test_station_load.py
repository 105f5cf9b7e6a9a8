"""Load: eight tablets voting at once against one station server on this 2-core machine; no errors, latency recorded."""

from __future__ import annotations

import json
import multiprocessing
import random
import time
from pathlib import Path

import pytest
from helpers import demo_station_data, percentiles, serve_station

from vallokal.simulate import HttpVoter, free_port

TABLETS = 8
VOTES_PER_TABLET = 40


def tablet(port: int, results: Path, seed: int) -> None:
    """Vote without pause; record each page request's seconds and every unexpected answer."""
    rng = random.Random(seed)
    timings, errors = [], []
    for _ in range(VOTES_PER_TABLET):
        voter = HttpVoter("127.0.0.1", port)
        steps = [
            ("/start", "/", {}, "/eligibility"),
            ("/eligibility", "/eligibility", {"confirm": "yes"}, "/ballot"),
            ("/ballot", "/ballot", {"project": rng.sample(["bankar", "odling", "lekplats", "belysning"], 2)}, "/review"),
            ("/cast", "/review", {}, "/receipt"),
            ("/done", "/receipt", {}, "/"),
        ]
        for path, token_from, fields, target in steps:
            started = time.perf_counter()
            status, location, _ = voter.post(path, token_from, fields)
            timings.append((path, time.perf_counter() - started))
            if status != 302 or not location.endswith(target):
                errors.append(f"{path}: {status} {location}")
        voter.connection.close()
    results.write_text(json.dumps({"timings": timings, "errors": errors}), encoding="utf-8")


@pytest.mark.slow
def test_eight_tablets_vote_at_once_without_an_error(tmp_path):
    station_folder = demo_station_data(tmp_path / "demo")
    port = free_port()
    server = serve_station(station_folder, port)
    context = multiprocessing.get_context("fork")
    outputs = [tmp_path / f"tablet-{number}.json" for number in range(TABLETS)]
    started = time.perf_counter()
    tablets = [context.Process(target=tablet, args=(port, output, number)) for number, output in enumerate(outputs)]
    try:
        for process in tablets:
            process.start()
        for process in tablets:
            process.join(timeout=300)
    finally:
        server.terminate()
        server.wait(timeout=10)
    elapsed = time.perf_counter() - started
    results = [json.loads(output.read_text(encoding="utf-8")) for output in outputs]
    errors = [error for result in results for error in result["errors"]]
    casts = [seconds for result in results for path, seconds in result["timings"] if path == "/cast"]
    pages = [seconds for result in results for _, seconds in result["timings"]]
    assert errors == [] and len(casts) == TABLETS * VOTES_PER_TABLET
    cast_figures = {name: round(value * 1000, 1) for name, value in percentiles(casts).items()}
    page_figures = {name: round(value * 1000, 1) for name, value in percentiles(pages).items()}
    print(f"{TABLETS} tablets, {len(casts)} votes in {elapsed:.0f} s, 0 errors; cast ms {cast_figures}; every page request ms {page_figures}")
