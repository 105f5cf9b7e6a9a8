"""The one console command, `vallokal`, that fronts every part of the house."""

from __future__ import annotations

import click

from . import __version__
from .demo import demo
from .kiosk.cli import station
from .sync.office.cli import office
from .election.tally.cli import tally
from .sync.simulate import simulate


@click.group()
@click.version_option(__version__, prog_name="vallokal")
def cli() -> None:
    """Vallokal: accessible in-person voting for participatory budgeting."""


cli.add_command(demo)
cli.add_command(station)
cli.add_command(office)
cli.add_command(simulate)
cli.add_command(tally)
