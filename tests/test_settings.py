"""Every setting the code reads is declared with its default in its app's settings module and documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from vallokal.kiosk.settings import SETTINGS as STATION_SETTINGS
from vallokal.sync.office.settings import SETTINGS as OFFICE_SETTINGS

ROOT = Path(__file__).resolve().parents[1]
READ = re.compile(r"""config(?:\.get\(|\.setdefault\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']""")
FORCED = {"DEBUG"}
APPS = {
    "station": (STATION_SETTINGS, ["kiosk", "web"]),
    "office": (OFFICE_SETTINGS, ["sync/office", "web"]),
}


SET_BY_CODE = re.compile(r"""config\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]\s*=(?!=)""")


def settings_read(folders: list[str]) -> dict[str, str]:
    """Every setting the code reads, except those the app factory sets itself (derived ones, and the extensions' own)."""
    found, derived = {}, set()
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            derived.update(SET_BY_CODE.findall(text))
            for name in READ.findall(text):
                found.setdefault(name, str(path.relative_to(ROOT)))
    return {name: where for name, where in found.items() if name not in derived}


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_setting_the_code_reads_is_declared(app):
    settings, folders = APPS[app]
    declared = {setting.name for setting in settings} | FORCED
    undeclared = {name: where for name, where in settings_read(folders).items() if name not in declared}
    assert not undeclared, f"read but not declared in the {app}'s settings: {undeclared}"


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_declared_setting_is_documented(app):
    settings, _ = APPS[app]
    document = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    section = document.split(f"## The {app}", 1)[1].split("\n## ", 1)[0]
    missing = [setting.name for setting in settings if f"| `{setting.name}` |" not in section or f"`VALLOKAL_{setting.name}`" not in section]
    assert not missing, f"declared but not in docs/settings.md under 'The {app}': {missing}"


def test_settings_are_read_without_a_second_default():
    """A default written where a setting is read would silently disagree with the declared one."""
    pattern = re.compile(r"""config\.get\(\s*["'][A-Z_]+["']\s*,""")
    offenders = [str(path.relative_to(ROOT)) for folder in ["kiosk", "sync", "web", "vallokal"] for path in (ROOT / folder).rglob("*.py") if pattern.search(path.read_text(encoding="utf-8"))]
    assert not offenders


def test_a_bare_database_url_selects_the_office_database(tmp_path, monkeypatch):
    from vallokal.sync.office import create_app

    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    app = create_app(data_dir=tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    monkeypatch.delenv("DATABASE_URL")
    assert create_app(data_dir=tmp_path / "other").config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
