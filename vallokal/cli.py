"""The one console command, `vallokal`, that fronts every part of the house."""

from __future__ import annotations

import importlib
import os

import click

from . import __version__

# numpy's OpenBLAS starts a thread per core when it loads, which spins for about 0.1 s of CPU: a tenth of a
# count of 100,000 voters on two cores. The counts run their own threads and multiply no large matrices.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

COMMANDS = {
    "demo": "vallokal.demo:demo",
    "station": "vallokal.kiosk.cli:station",
    "office": "vallokal.sync.office.cli:office",
    "simulate": "vallokal.simulate:simulate",
    "tally": "vallokal.tally_command:tally",
    "verify": "vallokal.verify:verify",
}


class LazyGroup(click.Group):
    """Imports a command's module only when it runs, so `vallokal tally` does not load Flask."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        return getattr(importlib.import_module(module), name)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="vallokal")
def cli() -> None:
    """Vallokal: accessible in-person voting for participatory budgeting."""
