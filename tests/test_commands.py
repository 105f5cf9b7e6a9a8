"""Every `vallokal` command is documented and invoked by at least one test."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from vallokal.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "provisioning" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    context = click.Context(group)
    paths = []
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


COMMANDS = command_paths(cli)


def test_the_command_tree_is_found():
    assert ("station", "serve") in COMMANDS and ("office", "tally") in COMMANDS and ("demo",) in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_is_in_the_docs(path):
    text = "\n".join(document.read_text(encoding="utf-8") for document in DOCUMENTS)
    assert re.search(r"vallokal\s+" + r"\s+".join(map(re.escape, path)) + r"\b", text), f"vallokal {' '.join(path)} is in no doc"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_is_invoked_by_a_test(path):
    words = r"""["']\s*,\s*(?:str\()?["']""".join(map(re.escape, path))
    invocation = re.compile(r"""["']""" + words + r"""["']""")
    spelled = re.compile(r"vallokal\s+" + r"\s+".join(map(re.escape, path)) + r"\b")
    this_file = Path(__file__).resolve()
    for test_file in sorted((ROOT / "tests").rglob("*.py")):
        if test_file.resolve() == this_file:
            continue
        text = test_file.read_text(encoding="utf-8")
        if invocation.search(text) or spelled.search(text.replace("\\\n", " ")) and "subprocess" in text:
            return
    pytest.fail(f"no test runs vallokal {' '.join(path)}")
