"""Loading what a count needs: Numba's compiled kernel (where the kernel is not built ahead of time) is kept in the
user's cache folder, so an install the user cannot write to compiles once, not on every count; a greedy count loads neither Numba nor the exact arithmetic,
plain equal shares no Numba, and a completed count whose float runs are all clear no exact arithmetic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from elections import completed_election
from vallokal.election.tally import compiled_cache

COUNT_ONCE = """
import json
import numpy as np
from fractions import Fraction
from vallokal.election.tally import completion, kernel, profile
rows = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]], dtype=bool)
ballots = profile.approval_profile(["a", "b", "c"], [Fraction(30), Fraction(40), Fraction(50)], Fraction(100), rows, [5, 3, 2])
arrays = completion.Arrays(ballots, "cost")
done = completion.run(arrays, 10.0)
winners = [ballots.project_ids[arrays.columns[index]] for index in done.sequence]
stats = kernel.run.stats
print(json.dumps({"winners": winners, "path": stats.cache_path, "hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values())}))
"""


def test_the_cache_folder_follows_xdg_and_a_folder_the_user_chose_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compiled_cache.folder() == str(tmp_path / "vallokal" / "numba")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert compiled_cache.folder() == str(Path.home() / ".cache" / "vallokal" / "numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    compiled_cache.use_user_cache()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "mine")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    compiled_cache.use_user_cache()
    assert os.environ["NUMBA_CACHE_DIR"] == compiled_cache.folder()


@pytest.mark.slow
def test_the_second_count_loads_the_kernel_from_the_users_cache_instead_of_compiling(tmp_path):
    """Through Numba's JIT, as a machine counts where the kernel cannot be built ahead of time (`compiled_kernel`)."""
    environment = {key: value for key, value in os.environ.items() if key != "NUMBA_CACHE_DIR"} | {"XDG_CACHE_HOME": str(tmp_path), "VALLOKAL_KERNEL": "jit"}
    beside_kernel = Path(compiled_cache.__file__).parent / "__pycache__"
    before = sorted(beside_kernel.glob("kernel.*.nb[ic]"))

    def count() -> dict:
        done = subprocess.run([sys.executable, "-c", COUNT_ONCE], env=environment, capture_output=True, text=True, check=True, timeout=600)
        return json.loads(done.stdout)

    first, second = count(), count()
    assert first["winners"] == second["winners"] == ["c", "a"]
    assert first["misses"] > 0 and first["path"].startswith(str(tmp_path / "vallokal" / "numba"))
    assert second["hits"] > 0 and second["misses"] == 0
    assert any((tmp_path / "vallokal" / "numba").rglob("kernel.run-*.nbi"))
    assert sorted(beside_kernel.glob("kernel.*.nb[ic]")) == before


def tally_in_a_fresh_interpreter(election, rule: str, watched: tuple[str, ...], setup: str = "", environment: dict[str, str] | None = None) -> tuple[dict, list[str], int]:
    """`vallokal tally` in its own interpreter: its JSON, which of `watched` it imported, and how many threads it keeps
    (a thread that ended leaves the process a moment after it is joined; those that wait for work never do)."""
    probe = (
        f"import json, os, sys\nfrom click.testing import CliRunner\nfrom vallokal.cli import cli\n{setup}"
        f"result = CliRunner().invoke(cli, ['tally', {str(election)!r}, '--rule', {rule!r}, '--json'])\n"
        "print(result.output.strip())\n"
        f"print(json.dumps([name for name in {watched!r} if name in sys.modules]))\n"
        "import time\ndeadline = time.monotonic() + 2\n"
        "while len(os.listdir('/proc/self/task')) > 1 and time.monotonic() < deadline:\n    time.sleep(0.01)\n"
        "print(len(os.listdir('/proc/self/task')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, timeout=600, check=True)
    output, loaded, threads = done.stdout.strip().splitlines()
    return json.loads(output), json.loads(loaded), int(threads)


def test_a_greedy_count_loads_neither_numba_nor_the_equal_shares_code(tmp_path):
    election = tmp_path / "small.pb"
    election.write_text("META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;60\n2;50\nVOTES\nvoter_id;vote\nv1;1\nv2;1,2\nv3;2\nv4;2\n")
    result, loaded, _ = tally_in_a_fresh_interpreter(election, "greedy", ("numba", "gmpy2", "vallokal.election.tally.completion", "flask"))
    assert result["winners"] == ["2"]
    assert loaded == []


def test_a_plain_equal_shares_count_loads_no_numba(tmp_path):
    """Plain equal shares runs in numpy (`vectorised`): Numba's import and cached code cost more than the count."""
    election = tmp_path / "plain.pb"
    votes = "".join(f"v{number};{1 + number % 3},{1 + (number * 7) % 5}\n" for number in range(40))
    election.write_text("META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n" + "".join(f"{number};{10 * number}\n" for number in range(1, 6)) + "VOTES\nvoter_id;vote\n" + votes)
    setup = "from vallokal.election.tally import completion\ncompletion.EXACT_PLAIN_UP_TO = 0\n"
    result, loaded, _ = tally_in_a_fresh_interpreter(election, "mes-cost", ("numba", "vallokal.election.tally.kernel"), setup)
    assert result["winners"]
    assert loaded == []


def test_a_completed_count_whose_float_runs_are_clear_loads_no_exact_arithmetic_and_leaves_no_blas_threads(tmp_path):
    """gmpy2 and the exact code cost 20 ms; numpy's OpenBLAS, left to itself, starts a thread per core that spins for 0.1 s."""
    environment = {key: value for key, value in os.environ.items() if key != "OPENBLAS_NUM_THREADS"}
    result, loaded, threads = tally_in_a_fresh_interpreter(completed_election(tmp_path), "mes-completed", ("gmpy2", "vallokal.election.tally.mes"), environment=environment)
    assert result["winners"]
    assert (loaded, threads) == ([], 1)
