"""A station installs and runs without the office's numeric stack."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OFFICE_ONLY = {"numpy", "numba", "llvmlite", "gmpy2"}


def requirement_names(requirements: list[str]) -> set[str]:
    return {requirement.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower() for requirement in requirements}


def test_the_runtime_dependencies_leave_counting_to_the_office_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not requirement_names(project["dependencies"]) & OFFICE_ONLY
    assert requirement_names(project["optional-dependencies"]["office"]) >= {"numpy", "numba", "gmpy2"}


def test_a_station_loads_none_of_the_office_numeric_stack():
    program = (
        "import sys\n"
        "from vallokal.cli import cli\n"
        "import vallokal.kiosk, vallokal.kiosk.cli, vallokal.kiosk.outbox, vallokal.kiosk.server\n"
        f"loaded = sorted(name for name in {sorted(OFFICE_ONLY)!r} if name in sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
