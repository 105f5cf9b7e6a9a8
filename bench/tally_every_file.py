"""Every rule on every Pabulib file, timed as a user runs it: the whole `vallokal tally` command.

Target: under 2 s per command, the largest files included.

    .venv/bin/python bench/tally_every_file.py [--pabulib ../shared/pabulib]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from vallokal.election.rules import COUNTING_RULES

RULES = list(COUNTING_RULES)
TARGET_SECONDS = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pabulib", type=Path, default=Path(os.environ.get("VALLOKAL_PABULIB", Path(__file__).resolve().parents[2] / "shared" / "pabulib")))
    arguments = parser.parse_args()
    command = [str(Path(sys.executable).with_name("vallokal")), "tally"]
    slowest = (0.0, "", "")
    print(f"{'file':48s} " + " ".join(f"{rule:>15s}" for rule in RULES))
    for path in sorted(arguments.pabulib.glob("*.pb")):
        cells = []
        for rule in RULES:
            started = time.perf_counter()
            subprocess.run([*command, str(path), "--rule", rule, "--json"], check=True, capture_output=True)
            seconds = time.perf_counter() - started
            slowest = max(slowest, (seconds, path.name, rule))
            cells.append(f"{seconds:14.2f}s")
        print(f"{path.name[:48]:48s} " + " ".join(cells), flush=True)
    seconds, name, rule = slowest
    print(f"slowest: {rule} on {name}: {seconds:.2f} s ({seconds / TARGET_SECONDS:.2f} of the {TARGET_SECONDS:.0f} s target)")


if __name__ == "__main__":
    main()
