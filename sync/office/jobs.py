"""The office's background jobs: long work (a count) run off the request, one at a time, its state in the database.

A job is queued by a page or a command and run by one worker thread of the
office process; its phase and progress (done of total) are written as it goes,
so a page can show a bar. A job stores its result in one transaction at its
end, so a job the office was running when it stopped simply goes back to the
queue and starts again from its inputs. A count needs the sealing key, which
lives only in this process's memory: after a restart the count waits until
the passphrase is entered again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from ...web.clock import now
from ...web.sqlite import writing
from .extensions import db
from .models import Job

COUNT = "count"
SPEECH = "speech"
PROGRESS_EVERY = 0.3
WAITING_FOR_KEY = "waiting for the sealing key: enter its passphrase again to go on"

Handler = Callable[[Job, Any, Callable[[str, int, int], None]], int | None]


class Busy(Exception):
    """A job of this kind is already queued or running; its id is `job_id`."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"job {job_id} is already queued or running")
        self.job_id = job_id


def _state(app: Flask) -> dict[str, Any]:
    return app.extensions.setdefault("vallokal_jobs", {"lock": threading.Lock(), "thread": None, "keys": {}, "handlers": {}})


def handler(app: Flask, kind: str, run: Handler) -> None:
    """Register what runs a job of `kind`: given the job, its secret and a progress callback, it returns the id of what it stored."""
    _state(app)["handlers"][kind] = run


def get(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


def active(kind: str) -> Job | None:
    return db.session.scalars(sa.select(Job).where(Job.kind == kind, Job.state.in_(("queued", "running"))).order_by(Job.id)).first()


def recent(limit: int = 20) -> list[Job]:
    return list(db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(limit)))


def submit(kind: str, requested_by: str, secret: Any = None, one_of_kind: bool = True) -> Job:
    """Queue a job and wake the worker; `secret` stays in memory only.

    One of each kind at a time unless `one_of_kind` is false (speech: the caller keeps one per draft).
    """
    with writing(db.session):
        running = active(kind) if one_of_kind else None
        if running is not None:
            raise Busy(running.id)
        job = Job(kind=kind, state="queued", phase="", done=0, total=0, message="", requested_by=requested_by, queued_at=now())
        db.session.add(job)
        db.session.flush()
        job_id = job.id
    if secret is not None:
        _state(current_app._get_current_object())["keys"][job_id] = secret
    wake(current_app._get_current_object())
    return db.session.get(Job, job_id)


def supply(job_id: int, secret: Any) -> None:
    """Give a waiting job its secret again (after a restart) and wake the worker."""
    app = current_app._get_current_object()
    _state(app)["keys"][job_id] = secret
    wake(app)


def needs_secret(job: Job) -> bool:
    return job.state == "queued" and job.id not in _state(current_app._get_current_object())["keys"]


def recover(app: Flask) -> int:
    """At start-up: a job left running was interrupted; queue it again to start from its inputs. How many."""
    with app.app_context():
        with writing(db.session):
            interrupted = db.session.execute(
                sa.update(Job).where(Job.state == "running").values(
                    state="queued", phase="", done=0, message=sa.case((Job.kind == COUNT, WAITING_FOR_KEY), else_=""))
            ).rowcount
        db.session.remove()
    wake(app)
    return interrupted


def wake(app: Flask) -> None:
    """Start the worker thread unless it runs; it ends by itself when nothing it can run is queued."""
    state = _state(app)
    with state["lock"]:
        thread = state["thread"]
        if thread is not None and thread.is_alive():
            state["again"] = True
            return
        state["again"] = False
        thread = threading.Thread(target=_work, args=(app,), name="vallokal-office-jobs", daemon=True)
        state["thread"] = thread
        thread.start()


def wait(app: Flask, seconds: float = 30.0) -> None:
    """Wait until the worker thread has ended (for shutting down, and for tests before they drop their database)."""
    thread = _state(app)["thread"]
    if thread is not None:
        thread.join(seconds)


def _work(app: Flask) -> None:
    state = _state(app)
    while True:
        with app.app_context():
            try:
                ran = run_next(app)
            finally:
                db.session.remove()
        if ran:
            continue
        with state["lock"]:
            if not state.get("again"):
                state["thread"] = None
                return
            state["again"] = False


def run_next(app: Flask) -> bool:
    """Run the oldest queued job that can run now (in this thread); whether one ran."""
    state = _state(app)
    for job in db.session.scalars(sa.select(Job).where(Job.state == "queued").order_by(Job.id)).all():
        if job.kind == COUNT and job.id not in state["keys"]:
            continue
        run = state["handlers"].get(job.kind)
        if run is None:
            continue
        with writing(db.session):
            claimed = db.session.execute(
                sa.update(Job).where(Job.id == job.id, Job.state == "queued").values(state="running", started_at=now(), message="")
            ).rowcount
        if not claimed:
            continue
        _execute(app, job.id, run)
        return True
    return False


def _execute(app: Flask, job_id: int, run: Handler) -> None:
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        moment = time.monotonic()
        if phase == "checking" and done < total and moment - last[0] < PROGRESS_EVERY:
            return
        last[0] = moment
        with db.engine.begin() as connection:
            connection.execute(sa.update(Job).where(Job.id == job_id).values(phase=phase, done=done, total=total))

    job = db.session.get(Job, job_id)
    try:
        result_id = run(job, _state(app)["keys"].get(job_id), progress)
    except Exception as error:  # the job fails with its reason; the office goes on
        db.session.rollback()
        known = getattr(error, "for_staff", False)
        if not known:
            app.logger.exception("job %s failed", job_id)
        message = str(error) if known else f"unexpected error ({type(error).__name__}); see the office's log"
        _finish(job_id, "failed", message, None)
        return
    finally:
        _state(app)["keys"].pop(job_id, None)
    _finish(job_id, "done", "", result_id)


def _finish(job_id: int, state: str, message: str, result_id: int | None) -> None:
    with writing(db.session):
        db.session.execute(
            sa.update(Job).where(Job.id == job_id).values(state=state, message=message, result_id=result_id, finished_at=now())
        )


def run_here(kind: str, requested_by: str, run: Callable[[Callable[[str, int, int], None]], int | None]) -> int | None:
    """Run a job in the foreground (a command), registered like the others so only one count runs at a time."""
    with writing(db.session):
        running = active(kind)
        if running is not None:
            raise Busy(running.id)
        job = Job(kind=kind, state="running", phase="", done=0, total=0, message="", requested_by=requested_by, queued_at=now(), started_at=now())
        db.session.add(job)
        db.session.flush()
        job_id = job.id

    def progress(phase: str, done: int, total: int) -> None:
        with db.engine.begin() as connection:
            connection.execute(sa.update(Job).where(Job.id == job_id).values(phase=phase, done=done, total=total))

    try:
        result_id = run(progress)
    except BaseException as error:
        db.session.rollback()
        _finish(job_id, "failed", str(error)[:2000], None)
        raise
    _finish(job_id, "done", "", result_id)
    return result_id
