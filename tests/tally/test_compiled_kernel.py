"""The kernel built ahead of time (`compiled_kernel`): the same answers as Numba's JIT, loaded without Numba, built
once per machine, and a machine that cannot build it still counts."""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from elections import completed_election
from test_vectorised import random_profile
from vallokal.election.tally import compiled_kernel, completion, kernel


def meaningful_run(result: tuple) -> tuple:
    """A run's rounds and what its arrays hold up to them (the rest is unwritten memory)."""
    rounds, sequence, third = result
    kept = max(rounds, 0)
    return rounds, sequence[:kept].tolist(), third[:kept].tolist() if isinstance(third, np.ndarray) else third


@pytest.fixture(scope="module")
def built():
    module = compiled_kernel.built()
    assert module is not None, "this machine has a C compiler and Numba's pycc: the kernel must build"
    return module


def test_the_built_kernel_answers_exactly_as_the_jit_kernel(built):
    """Every exported function, on elections where runs end clear, close, within and over the budget."""
    assert built is not kernel and "kernel_" in built.__name__
    for seed in range(8):
        profile = random_profile(seed, ballots=400 + 300 * seed, projects=12 + 5 * seed, budget=10**6)
        for satisfaction in ("cost", "cardinality"):
            arrays = completion.Arrays(profile, satisfaction)
            arguments = arrays.kernel
            share = float(profile.budget) / profile.voters
            budget = float(profile.budget)
            for factor in (1.0, 1.07, 1.6, 3.0):
                low, high = share * factor, share * factor * 1.01
                for stop in (np.inf, budget):
                    assert meaningful_run(kernel.run(*arguments, low, completion.MARGIN, stop)) == meaningful_run(built.run(*arguments, low, completion.MARGIN, stop))
                assert meaningful_run(kernel.run_tracked(*arguments, low, completion.MARGIN)) == meaningful_run(built.run_tracked(*arguments, low, completion.MARGIN))
                room = completion.bounded_room(len(arrays.weights))
                jit = kernel.bounded_run(*arguments, low, high, completion.MARGIN, completion.WIDTH, budget, *room)
                aot = built.bounded_run(*arguments, low, high, completion.MARGIN, completion.WIDTH, budget, *room)
                assert (jit[0], jit[2]) == (aot[0], aot[2])
                np.testing.assert_array_equal(jit[1][: 2 * jit[2]], aot[1][: 2 * aot[2]])
            ballots, projects = arrays._entries
            approvals = np.zeros((len(profile.weights), len(arrays.columns)), dtype=np.int64)
            approvals[ballots, projects] = 1
            shared = approvals.T @ (approvals * profile.weights[:, None])
            weights = profile.weights.astype(np.float64)
            np.testing.assert_array_equal(kernel.overlap(ballots, projects, weights, len(arrays.columns)), shared)
            np.testing.assert_array_equal(built.overlap(ballots, projects, weights, len(arrays.columns)), shared)
    assert (built.UNCLEAR, built.FITS, built.OVERSPENDS, built.BOUNDED) == (kernel.UNCLEAR, kernel.FITS, kernel.OVERSPENDS, kernel.BOUNDED)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ballots_side_by_side_are_each_numbered_once_and_keep_their_projects(built, seed):
    """The runs read budgets where supporters of the popular projects sit together: the most supported project's
    supporters become ballots 0, 1, 2 and so on, each project's supporters stay the same ballots, in the new order."""
    profile = random_profile(seed, ballots=900, projects=70 + 10 * seed, budget=10**6)
    arrays = completion.Arrays(profile, "cost")
    ballots, projects = arrays._entries
    count, project_count = len(profile.weights), len(arrays.columns)
    indptr, indices, order = built.side_by_side(ballots, projects, count, project_count)
    jit = kernel.side_by_side(ballots, projects, count, project_count)
    for mine, theirs in zip((indptr, indices, order), jit):
        np.testing.assert_array_equal(mine, theirs)
    assert sorted(order.tolist()) == list(range(count))
    np.testing.assert_array_equal(indptr, arrays.indptr)
    most = int(np.argmax(np.diff(indptr)))
    assert indices[indptr[most] : indptr[most + 1]].tolist() == list(range(indptr[most + 1] - indptr[most]))
    for project in range(project_count):
        mine = indices[indptr[project] : indptr[project + 1]]
        assert np.all(np.diff(mine) > 0)
        assert sorted(order[mine].tolist()) == arrays.indices[arrays.indptr[project] : arrays.indptr[project + 1]].tolist()


def test_the_built_kernel_lets_other_threads_run(built):
    """Two probes at once rely on it: a thread counting while the kernel runs shows the GIL was let go."""
    profile = random_profile(3, ballots=60_000, projects=80, budget=10**7)
    arguments = completion.Arrays(profile, "cost").kernel
    share = float(profile.budget) / profile.voters
    built.run(*arguments, share, completion.MARGIN, np.inf)
    started = time.perf_counter()
    built.run(*arguments, share, completion.MARGIN, np.inf)
    alone = time.perf_counter() - started
    ticks = 0
    running = threading.Event()

    def count_meanwhile() -> None:
        nonlocal ticks
        running.set()
        while running.is_set():
            ticks += 1

    counter = threading.Thread(target=count_meanwhile)
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        counter.start()
        running.wait()
        before = ticks
        for _ in range(max(3, int(0.05 / max(alone, 1e-4)))):
            built.run(*arguments, share, completion.MARGIN, np.inf)
        during = ticks - before
    finally:
        running.clear()
        counter.join()
        sys.setswitchinterval(switch_interval)
    assert during > 1000


COUNT = """
import json, sys
from vallokal.cli import cli
from click.testing import CliRunner
result = CliRunner().invoke(cli, ['tally', sys.argv[1], '--rule', 'mes-completed', '--json'])
print(json.dumps({"result": json.loads(result.output), "numba": "numba" in sys.modules, "llvmlite": "llvmlite" in sys.modules}))
"""


def count_in_a_fresh_interpreter(election: Path, environment: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", COUNT, str(election)], env=environment, capture_output=True, text=True, check=True, timeout=900)
    return json.loads(done.stdout)


def fresh_cache(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in ("NUMBA_CACHE_DIR", compiled_kernel.CHOICE)} | {"XDG_CACHE_HOME": str(tmp_path / "cache")} | extra


@pytest.mark.slow
def test_the_first_count_builds_the_kernel_into_the_users_cache_and_later_counts_load_it_without_numba(tmp_path):
    election = completed_election(tmp_path)
    environment = fresh_cache(tmp_path)
    package = Path(compiled_kernel.__file__).parent

    def compiled_beside_the_package() -> list[str]:
        return sorted(str(path) for path in package.rglob("*") if path.suffix in (".so", ".o", ".nbi", ".nbc") or path.name.startswith("building-"))

    before = compiled_beside_the_package()
    folder = tmp_path / "cache" / "vallokal" / "kernel"
    folder.mkdir(parents=True)
    unused, recent = (f"kernel_{digits * 20}{importlib.machinery.EXTENSION_SUFFIXES[0]}" for digits in "01")
    for older in (unused, "kernel_22222222222222222222.failed", recent):
        (folder / older).write_text("a build of another version")
    for older in (unused, "kernel_22222222222222222222.failed"):
        long_ago = time.time() - (compiled_kernel.UNUSED_DAYS + 1) * 86400
        os.utime(folder / older, (long_ago, long_ago))
    first = count_in_a_fresh_interpreter(election, environment)
    built = sorted(folder.glob("kernel_*"))
    assert [path.name for path in built] == [recent, compiled_kernel.module_name() + importlib.machinery.EXTENSION_SUFFIXES[0]]
    second = count_in_a_fresh_interpreter(election, environment)
    assert first["result"]["winners"] == second["result"]["winners"]
    assert first["result"]["winners"] == count_in_a_fresh_interpreter(election, environment | {compiled_kernel.CHOICE: "jit"})["result"]["winners"]
    assert (second["numba"], second["llvmlite"]) == (False, False)
    assert compiled_beside_the_package() == before


@pytest.mark.slow
def test_a_machine_that_cannot_build_the_kernel_counts_through_numba_and_does_not_try_again(tmp_path):
    election = completed_election(tmp_path)
    environment = fresh_cache(tmp_path, CC=str(tmp_path / "no-compiler"))
    expected = count_in_a_fresh_interpreter(election, fresh_cache(tmp_path / "elsewhere"))["result"]["winners"]
    first = count_in_a_fresh_interpreter(election, environment)
    folder = tmp_path / "cache" / "vallokal" / "kernel"
    failures = list(folder.glob("kernel_*.failed"))
    assert first["result"]["winners"] == expected and first["numba"]
    assert len(failures) == 1 and "compiler" in failures[0].read_text()
    assert not list(folder.glob("kernel_*.so")) and not list(folder.glob("building-*"))
    noted = failures[0].stat().st_mtime_ns
    second = count_in_a_fresh_interpreter(election, environment)
    assert second["result"]["winners"] == expected
    assert failures[0].stat().st_mtime_ns == noted
