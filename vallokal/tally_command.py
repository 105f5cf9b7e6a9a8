"""`vallokal tally FILE.pb --rule RULE`: count a Pabulib file, for researchers and other tools."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from .election.tally import methods, pabulib, profile as profiles
from .election.tally.methods import RULES


@click.command("tally")
@click.argument("pb_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rule", required=True, type=click.Choice(sorted(RULES)), help="The counting rule.")
@click.option("--json", "as_json", is_flag=True, help='One line: {"rule", "winners", "cost", "seconds"}.')
def tally(pb_file: Path, rule: str, as_json: bool) -> None:
    """Count a Pabulib .pb file with one rule; ties go to the smallest project id as text."""
    started = time.perf_counter()
    try:
        election = pabulib.read(pb_file.read_bytes(), merge=True)
        winners = sorted(methods.winners(election, rule))
    except (pabulib.PabulibError, profiles.ProfileError) as error:
        raise click.ClickException(f"{pb_file}: {error}") from None
    spent = sum((election.cost(project_id) for project_id in winners), start=0)
    seconds = time.perf_counter() - started
    cost = int(spent) if spent == int(spent) else float(spent)
    if as_json:
        click.echo(json.dumps({"rule": rule, "winners": winners, "cost": cost, "seconds": round(seconds, 4)}))
        return
    click.echo(f"{rule}: {len(winners)} projects, cost {cost} of {election.meta['budget']} ({seconds:.3f} s)")
    for project_id in winners:
        name = election.projects[project_id].get("name", "")
        click.echo(f"  {project_id}  {election.cost(project_id)}  {name}")
