"""The one console command, `vallokal`, that fronts every part of the house."""

from __future__ import annotations

import importlib

import click

from . import __version__

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
