"""The repository's top level is the house's parts, and the README and docs/architecture.md name each of them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_PARTS = {"node_modules", "build", "dist", "instance", "vallokal-demo", "office-data"}


def top_level_folders() -> set[str]:
    tracked = {path.name for path in ROOT.iterdir() if path.is_dir() and not path.name.startswith(".")}
    return {name for name in tracked if name not in NOT_PARTS and not name.endswith(".egg-info")}


def folders_in_table(document: str) -> set[str]:
    return {name for cells in re.findall(r"^\| ([^|]+) \|", document, re.MULTILINE) for name in re.findall(r"`([a-z_]+)/`", cells)}


def test_the_readme_table_names_every_top_level_folder():
    table = folders_in_table((ROOT / "README.md").read_text(encoding="utf-8"))
    assert table == top_level_folders() - {"scripts"}


def test_the_architecture_page_names_every_part_and_its_package():
    document = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    for package, folder in mapping.items():
        assert (ROOT / folder).is_dir(), f"{folder} in pyproject.toml's package-dir is not a folder"
        assert f"`{folder}/`" in document and f"`{package}`" in document, f"{folder}/ ({package}) is missing from docs/architecture.md"
    assert folders_in_table(document) >= set(mapping.values())


def test_every_python_folder_is_installed():
    """A module in a folder that pyproject.toml does not map would work in the tests and be missing from a wheel."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    installed = set(setuptools["packages"])
    folder_of = {package: ROOT / folder for package, folder in setuptools["package-dir"].items()}
    for package in installed:
        parent = max((name for name in folder_of if package == name or package.startswith(name + ".")), key=len)
        folder = folder_of[parent].joinpath(*package[len(parent) :].strip(".").split(".")) if package != parent else folder_of[parent]
        assert folder.is_dir(), f"{package} is listed but {folder} does not exist"
    for root_folder in set(setuptools["package-dir"].values()):
        for init in (ROOT / root_folder).rglob("*.py"):
            relative = init.parent.relative_to(ROOT / root_folder)
            if "__pycache__" in relative.parts:
                continue
            root_package = next(name for name, folder in setuptools["package-dir"].items() if folder == root_folder)
            package = ".".join([root_package, *relative.parts])
            assert package in installed, f"{init.relative_to(ROOT)} is in {package}, which pyproject.toml does not install"


TESTS = ROOT / "tests"
NOT_PARTS_OF_THEIR_OWN = {"vallokal", "vallokal.templates", "vallokal.static"}


def parts() -> dict[str, str]:
    """Each installed part (a package that is not migrations, templates or static) by the name of its test folder."""
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    return {package.rsplit(".", 1)[1]: package for package in packages
            if package not in NOT_PARTS_OF_THEIR_OWN and ".migrations" not in package}


def test_every_part_has_its_own_test_folder():
    """Tests mirror the house: election, tally, kiosk, sync, office and web each have tests/<part>/ with tests in it."""
    assert set(parts()) >= {"election", "tally", "kiosk", "sync", "office", "web"}
    for folder, package in parts().items():
        assert (TESTS / folder).is_dir(), f"{package} has no test folder tests/{folder}/"
        assert any((TESTS / folder).glob("test_*.py")), f"tests/{folder}/ (for {package}) holds no test_*.py"


def test_every_test_folder_is_a_part_or_the_browser_and_the_docs_name_it():
    folders = {path.name for path in TESTS.iterdir() if path.is_dir() and path.name != "__pycache__"}
    assert folders == set(parts()) | {"browser"}
    for document in (ROOT / "README.md", ROOT / "docs" / "architecture.md"):
        row = next(line for line in document.read_text(encoding="utf-8").splitlines() if line.startswith("| `tests/` |"))
        for folder in folders:
            assert f"`{folder}/`" in row or f"`tests/{folder}/`" in row, f"{document.name}'s tests row does not name tests/{folder}/"
