"""How an app declares its settings: each with its default and what it does, in one place per app.

`docs/settings.md` lists them; a test fails when code reads a setting that is not declared or not documented.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from . import STATIC, TEMPLATES


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    meaning: str
    default_for: Callable[[Path], Any] | None = None
    """Computes the default from the data folder, where the default depends on it."""

    def value_for(self, folder: Path) -> Any:
        return self.default_for(folder) if self.default_for else self.default


def defaults(settings: Iterable[Setting], folder: Path) -> dict[str, Any]:
    return {setting.name: setting.value_for(folder) for setting in settings}


def configured_app(import_name: str, folder: Path, settings: Iterable[Setting], file_name: str) -> Flask:
    """An app whose data live in `folder`, configured from the declared defaults, then `file_name` there, then `VALLOKAL_*`."""
    folder.mkdir(parents=True, exist_ok=True)
    app = Flask(import_name, instance_path=str(folder), instance_relative_config=True, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    app.config.from_mapping(defaults(settings, folder))
    app.config.from_file(file_name, load=tomllib.load, text=False, silent=True)
    app.config.from_prefixed_env("VALLOKAL")
    return app
