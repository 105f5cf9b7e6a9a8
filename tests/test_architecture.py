"""The arrows between the parts, held by import-linter's contracts in pyproject.toml."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from flask import Flask
from vallokal.web import preview

REPOSITORY = Path(__file__).resolve().parent.parent
LINT = REPOSITORY / "scripts" / "lint_imports.py"
PACKAGE_DIR = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]


def lint(repository: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(LINT), "--repository", str(repository)], capture_output=True, text=True, timeout=300)


def python_files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*.py") if "__pycache__" not in path.parts]


def test_the_contracts_hold_and_see_every_mapped_module() -> None:
    result = lint(REPOSITORY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    files = sum(len(python_files(REPOSITORY / folder)) for name, folder in PACKAGE_DIR.items() if name != "vallokal")
    files += len(list((REPOSITORY / "vallokal").glob("*.py")))
    analyzed = int(re.search(r"Analyzed (\d+) files", result.stdout).group(1))
    assert analyzed >= files  # modules and the external packages they import: the vallokal/ folder alone holds six


def test_a_wrong_import_in_a_mapped_part_breaks_them(tmp_path: Path) -> None:
    shutil.copy(REPOSITORY / "pyproject.toml", tmp_path)
    for folder in set(PACKAGE_DIR.values()):
        for path in python_files(REPOSITORY / folder):
            target = tmp_path / path.relative_to(REPOSITORY)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    with (tmp_path / "election" / "rules.py").open("a", encoding="utf-8") as rules:
        rules.write("\nimport flask  # deliberately wrong\n")
    with (tmp_path / "sync" / "office" / "admin.py").open("a", encoding="utf-8") as admin:
        admin.write("\nfrom ...kiosk import voter  # deliberately wrong\n")
    with (tmp_path / "kiosk" / "staff.py").open("a", encoding="utf-8") as staff:
        staff.write("\nfrom . import tablets  # deliberately a cycle\n")
    result = lint(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "vallokal.election.rules -> flask" in result.stdout
    assert "vallokal.sync.office.admin -> vallokal.kiosk.voter" in result.stdout
    assert "No cycles are allowed in vallokal.kiosk" in result.stdout


def test_the_tally_command_lives_outside_the_pure_core() -> None:
    core = REPOSITORY / "election"
    imported = set()
    for path in python_files(core):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert "click" not in imported and "flask" not in imported


def test_the_preview_links_where_the_station_does(app: Flask) -> None:
    """The office's preview renders the station's templates; its addresses and idle times are the station's own."""
    station_rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    for endpoint, rule in preview.VOTER_PAGES.items():
        assert station_rules[f"voter.{endpoint}"] == rule
    for setting, value in preview.STATION_DEFAULTS.items():
        assert app.config[setting] == value


def test_the_tally_command_starts_without_the_apps() -> None:
    probe = (
        "import sys\nfrom click.testing import CliRunner\nfrom vallokal.cli import cli\n"
        "assert CliRunner().invoke(cli, ['tally', '--help']).exit_code == 0\n"
        "print(sorted(name for name in ('flask', 'sqlalchemy', 'waitress', 'vallokal.kiosk', 'vallokal.sync') if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# Each app's store owns every query -------------------------------------------------------

STORES = {"kiosk": "kiosk/store.py", "sync/office": "sync/office/store.py"}
DATABASE_PLUMBING = {"models.py", "extensions.py"}  # the tables and the db object the store uses
SESSION_WORK = {"execute", "scalar", "scalars", "get", "add", "add_all", "flush", "delete", "merge", "query", "commit"}


def queries_in(source: str) -> list[str]:
    """What in a module's source builds or runs a query: SQLAlchemy imported, the session or engine used for work, a transaction opened."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "sqlalchemy" for alias in node.names):
            found.append(f"line {node.lineno}: imports sqlalchemy")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found.append(f"line {node.lineno}: imports from sqlalchemy")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            owner = node.value.attr
            if (owner == "session" and node.attr in SESSION_WORK) or (owner == "engine" and node.attr in {"begin", "connect"}):
                found.append(f"line {node.lineno}: {owner}.{node.attr}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "writing" and node.args:
            found.append(f"line {node.lineno}: opens a transaction on the session (writing)")  # the station's store.writing() is the store's own
    return found


def modules_outside_the_stores() -> list[Path]:
    folders = [REPOSITORY / folder for folder in STORES] + [REPOSITORY / "vallokal"]
    return [path for folder in folders for path in python_files(folder)
            if str(path.relative_to(REPOSITORY)) not in STORES.values() and path.name not in DATABASE_PLUMBING and "migrations" not in path.parts]


def test_the_stores_own_every_query() -> None:
    """Counting, channels, the publication, the dashboard, the job runner and the commands ask the store; none builds a query."""
    assert len(modules_outside_the_stores()) > 30
    offenders = {str(path.relative_to(REPOSITORY)): found for path in modules_outside_the_stores() if (found := queries_in(path.read_text(encoding="utf-8")))}
    assert offenders == {}, "modules outside the store that query the database (move the query into the store): " + "; ".join(
        f"{module}: {', '.join(found)}" for module, found in sorted(offenders.items()))


def test_the_query_check_names_a_module_that_queries() -> None:
    assert queries_in("import sqlalchemy as sa\nrows = db.session.execute(sa.select(Count))\n") == [
        "line 1: imports sqlalchemy", "line 2: session.execute"]
    assert queries_in("from sqlalchemy import select\nwith writing(db.session):\n    db.session.add(row)\n") == [
        "line 1: imports from sqlalchemy", "line 2: opens a transaction on the session (writing)", "line 3: session.add"]
    assert queries_in("db.session.remove()\nsession.clear()\nwith store.writing():\n    store.log('x')\n") == []
