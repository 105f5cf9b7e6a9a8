"""What the station and the office both serve: locale and catalogues, security headers, QR codes,
password hashing, SQLite settings and the data folder's secrets. Neither app is imported here."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path


def data_folder(package: str) -> Path:
    """Where an installed data package (templates, static files) lives, editable or wheel install alike."""
    spec = find_spec(package)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{package} is not installed")
    return Path(spec.origin).parent


TEMPLATES = data_folder("vallokal.templates")
STATIC = data_folder("vallokal.static")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
