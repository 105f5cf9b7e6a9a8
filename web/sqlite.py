"""SQLite set up for a device that may lose power at any moment (the station, and the office by default).

Every connection runs in WAL mode with synchronous=FULL, so a committed ballot
survives a power cut. Transactions begin explicitly: deferred for readers, and
IMMEDIATE for writers that ask for it (`immediate=True` execution option), so
two writers never deadlock while upgrading a read lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


def configure(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(session: Any) -> Iterator[None]:
    """One write transaction that holds SQLite's write lock from its start (BEGIN IMMEDIATE).

    On other databases the option is ignored and the transaction is an ordinary one.
    """
    session.commit()
    session.connection(execution_options={"immediate": True})
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
