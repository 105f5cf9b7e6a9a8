"""lint-imports on the tree as it installs: the repository's folders seen as the one `vallokal` package.

grimp finds a package's modules by walking its folder, and the `vallokal/` folder holds only the root
modules; election/, kiosk/, sync/ and web/ join it through pyproject.toml's package-dir. Run as is,
the contracts would see none of them and pass whatever they import. So the Python files are copied,
each folder to its dotted place, into a scratch folder that comes first on the import path.

Usage: .venv/bin/python scripts/lint_imports.py [--repository DIR]
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports


def python_only(folder: str, names: list[str]) -> list[str]:
    """What copytree leaves out: everything but Python files and the folders that may hold them."""
    return [name for name in names if name == "__pycache__" or not (name.endswith(".py") or Path(folder, name).is_dir())]


def installed_layout(repository: Path, target: Path) -> None:
    """Copy the repository's Python files into `target` as the package-dir mapping installs them."""
    settings = tomllib.loads((repository / "pyproject.toml").read_text(encoding="utf-8"))
    for name, folder in settings["tool"]["setuptools"]["package-dir"].items():
        shutil.copytree(repository / folder, target.joinpath(*name.split(".")), ignore=python_only, dirs_exist_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repository", type=Path, default=Path(__file__).resolve().parent.parent)
    repository = parser.parse_args().repository.resolve()
    with tempfile.TemporaryDirectory(prefix="vallokal-imports-") as scratch:
        installed_layout(repository, Path(scratch))
        sys.path.insert(0, scratch)
        importlib.invalidate_caches()
        os.chdir(scratch)  # lint-imports puts the working folder first on the path, where the repository's vallokal/ would shadow the copy
        return lint_imports(config_filename=str(repository / "pyproject.toml"), no_cache=True, no_logo=True)


if __name__ == "__main__":
    sys.exit(main())
