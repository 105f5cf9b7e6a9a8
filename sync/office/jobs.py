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

from flask import Flask, current_app

from . import store
from .extensions import db
from .models import Job

COUNT = "count"
SPEECH = "speech"
PROGRESS_EVERY = 0.3
WAITING_FOR_KEY = "waiting for the sealing key: enter its passphrase again to go on"

Handler = Callable[[Job, Any, Callable[[str, int, int], None]], int | None]


Busy = store.JobBusy


def _state(app: Flask) -> dict[str, Any]:
    return app.extensions.setdefault("vallokal_jobs", {"lock": threading.Lock(), "thread": None, "keys": {}, "handlers": {}})


def handler(app: Flask, kind: str, run: Handler) -> None:
    """Register what runs a job of `kind`: given the job, its secret and a progress callback, it returns the id of what it stored."""
    _state(app)["handlers"][kind] = run


get = store.job
active = store.active_job
recent = store.recent_jobs


def submit(kind: str, requested_by: str, secret: Any = None, one_of_kind: bool = True) -> Job:
    """Queue a job and wake the worker; `secret` stays in memory only.

    One of each kind at a time unless `one_of_kind` is false (speech: the caller keeps one per draft).
    """
    job_id = store.add_job(kind, requested_by, one_of_kind=one_of_kind)
    if secret is not None:
        _state(current_app._get_current_object())["keys"][job_id] = secret
    wake(current_app._get_current_object())
    return store.job(job_id)


def verify_later(outcome: store.Outcome) -> None:
    """After a delivery whose records were not checked at ingest, queue the background verifier or wake it (VERIFY_IN_BACKGROUND)."""
    if not outcome.new_rows or current_app.config["VERIFY_RECORDS_AT_INGEST"] or not current_app.config["VERIFY_IN_BACKGROUND"]:
        return
    try:
        submit(store.VERIFY, "office")
    except Busy:
        wake(current_app._get_current_object())


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
        interrupted = store.requeue_running_jobs(COUNT, WAITING_FOR_KEY)
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
    for job in store.queued_jobs():
        if job.kind == COUNT and job.id not in state["keys"]:
            continue
        run = state["handlers"].get(job.kind)
        if run is None:
            continue
        if not store.claim_job(job.id):
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
        store.job_progress(job_id, phase, done, total)

    job = store.job(job_id)
    try:
        result_id = run(job, _state(app)["keys"].get(job_id), progress)
    except Exception as error:  # the job fails with its reason; the office goes on
        db.session.rollback()
        known = getattr(error, "for_staff", False)
        if not known:
            app.logger.exception("job %s failed", job_id)
        message = str(error) if known else f"unexpected error ({type(error).__name__}); see the office's log"
        store.finish_job(job_id, "failed", message, None)
        return
    finally:
        _state(app)["keys"].pop(job_id, None)
    store.finish_job(job_id, "done", "", result_id)


def run_here(kind: str, requested_by: str, run: Callable[[Callable[[str, int, int], None]], int | None]) -> int | None:
    """Run a job in the foreground (a command), registered like the others so only one count runs at a time."""
    job_id = store.add_job(kind, requested_by, running=True)

    def progress(phase: str, done: int, total: int) -> None:
        store.job_progress(job_id, phase, done, total)

    try:
        result_id = run(progress)
    except BaseException as error:
        db.session.rollback()
        store.finish_job(job_id, "failed", str(error)[:2000], None)
        raise
    store.finish_job(job_id, "done", "", result_id)
    return result_id
