"""Each app's database object: Flask-SQLAlchemy over a declarative base of its own, so the station's and the office's tables never share metadata."""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


def database() -> SQLAlchemy:
    class Base(DeclarativeBase):
        pass

    return SQLAlchemy(model_class=Base)
