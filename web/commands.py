"""What the station's and the office's commands share: the data folder option and opening the app on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask


def data_option(envvar: str, default: str, help: str) -> Callable[[Any], Any]:
    """`--data DIR`, the app's data folder, also read from `envvar`."""
    return click.option("--data", "data_dir", envvar=envvar, default=default, show_default=True,
                        type=click.Path(file_okay=False, path_type=Path), help=help)


def open_app(data_dir: Path, create_app: Callable[..., Flask], prepare: Callable[[Flask], None],
             check: Callable[[Flask], None] | None = None) -> Flask:
    """The app on `data_dir`, checked, its database brought up to date; its database engine closes when the command ends."""
    app = create_app(data_dir=data_dir)
    if check is not None:
        check(app)
    prepare(app)
    click.get_current_context().call_on_close(lambda: close(app))
    return app


def close(app: Flask) -> None:
    """Close the app's database connections (the Flask-SQLAlchemy extension's engine)."""
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
