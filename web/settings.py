"""How an app declares its settings: each with its default and what it does, in one place per app.

`docs/settings.md` lists them; a test fails when code reads a setting that is not declared or not documented.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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
