"""The count: gather the accepted records (store), open, check and count them (election.opening), save the outcome with a hash of its inputs.

Paper ballots that two people typed alike and imported votes are counted
with them, each ballot marked with its channel. Nothing a count stores links a ballot to its record: counted ballots keep their
choices alone, in shuffled order, and the counted tracking codes live in a table
of their own. Two counts of the same inputs must agree; when they do not, the
later one names the earlier and every page that shows it says so.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import current_app

from ...election import keys, opening
from ...election.package import canonical_json
from ...web.clock import now
from .. import fields
from . import store
from .models import Count

UNOPENABLE = opening.UNOPENABLE
CHANNELS = opening.CHANNELS
Progress = opening.Progress


class CountError(Exception):
    """The count cannot start; the message says what to do."""

    for_staff = True


@dataclass(frozen=True)
class OpenedKey:
    """The sealing key a count uses, and the board members whose shares opened it (None: one passphrase)."""

    key: X25519PrivateKey
    holders: list[str] | None = None


def count_job(job: Any, opened: OpenedKey | X25519PrivateKey, progress: Progress) -> int:
    """A count run by the job runner: as `run`, for the clerk who asked for it; the protocol names the key's holders."""
    if not isinstance(opened, OpenedKey):
        opened = OpenedKey(opened)
    count = run(opened.key, job.requested_by, now(), progress)
    store.note_key_holders(count, opened.holders)
    return count.id


def read_sealing_key(path: Path, passphrase: str | None) -> X25519PrivateKey:
    """The office's sealing key, checked against the election it is meant to open."""
    try:
        key = keys.read_private(path, passphrase or None)
    except keys.KeyFileError as error:
        raise CountError(str(error)) from None
    if not isinstance(key, X25519PrivateKey):
        raise CountError(f"{path} is not a sealing key (X25519)")
    package = store.election()
    if package is not None and keys.public_text(key) != package.sealing_key:
        raise CountError(f"{path} is not the sealing key of election {package.id}: its public half differs from the package's")
    return key


PARALLEL_FROM = 4 * opening.CHUNK


def run(sealing_key: X25519PrivateKey, counted_by: str, now: datetime, progress: Progress | None = None) -> Count:
    """Gather the inputs (store), open and count them (election.opening, pure), save the outcome (store, one transaction).

    A voting code used twice at one station counts once, by the audit's rule;
    held records stay out until the board decides. `progress(phase, done, total)`
    hears of opening, checking and counting; `total` is what is counted.
    """
    package = store.election()
    if package is None:
        raise CountError("this office has no election loaded; load the package first")
    if keys.public_text(sealing_key) != package.sealing_key:
        raise CountError(f"this is not the sealing key of election {package.id}")
    counting_rule = package.document["counting"]["rule"]
    gathered = store.count_inputs(package)
    total = len(gathered.records) + len(gathered.paper) + len(gathered.imported)
    if progress is not None:
        progress("opening", 0, total)

    package_sha256 = store.election_sha256()
    inputs = hashlib.sha256(canonical_json({
        "package": package_sha256, "counting_rule": counting_rule, "left_out": gathered.left_out_duplicates,
        **({"held": {"undecided": gathered.held_undecided, "left_out": gathered.held_left_out, "counted": gathered.held_counted}}
           if gathered.held_undecided or gathered.held_left_out or gathered.held_counted else {}),
    }))
    rows = [(row.device_id, row.sequence, row.ballot_id, row.sealed, row.cast_minute, row.code_hash, row.record_hash) for row in gathered.records]
    del gathered.records
    inputs.update("".join(row[6] for row in rows).encode("utf-8"))
    per_station: Counter[str] = Counter()
    for device_id, records in Counter(row[0] for row in rows).items():
        per_station[gathered.stations.get(device_id, device_id)] += records
    per_day: Counter[str] = Counter()
    for minute, records in Counter(row[4] for row in rows).items():
        per_day[_local_day(minute, package.timezone)] += records
    others: list[tuple[str, str]] = []
    for sheet, choices in gathered.paper:
        inputs.update(canonical_json(["paper", sheet, choices]))
        others.append(("paper", choices))
    for file_hash, choices in gathered.imported:
        inputs.update(canonical_json(["import", file_hash, choices]))
        others.append(("import", choices))
    input_hash = inputs.hexdigest()

    station = open_all(sealing_key, package.id, package.rule, rows, lambda done: progress("opening", done, total) if progress else None)
    del rows
    project_ids = [project.id for project in package.projects]
    counted = opening.count(package.rule, counting_rule, project_ids, station, others, progress)
    del station
    result = counted.result
    result.update(
        election_id=package.id,
        package_sha256=package_sha256,
        input_hash=input_hash,
        received=sum(per_station.values()) + len(gathered.left_out_duplicates) + len(gathered.held_undecided) + len(gathered.held_left_out),
        left_out_duplicates=len(gathered.left_out_duplicates),
        held={"undecided": len(gathered.held_undecided), "left_out": len(gathered.held_left_out), "counted": len(gathered.held_counted)},
        turnout={"stations": dict(sorted(per_station.items())), "days": dict(sorted(per_day.items()))},
    )
    if progress is not None:
        progress("saving", total, total)
    return save(result, counted, counted_by, counting_rule, input_hash, now)


def open_all(sealing_key: X25519PrivateKey, election_id: str, rule: Any, rows: list[tuple], progress: Callable[[int], None]) -> list[opening.Checked]:
    """Check each record's stored fields, open it and check the ballot, in chunks over the cores when there are many (a process pool outside the store)."""
    pieces = opening.chunks(rows)
    raw = sealing_key.private_bytes_raw()
    pool = opening_pool() if len(rows) >= PARALLEL_FROM else None
    checked: list[opening.Checked] = []
    arguments = ([raw] * len(pieces), [election_id] * len(pieces), [rule] * len(pieces), pieces)
    for part in pool.map(check_rows, *arguments) if pool else map(check_rows, *arguments):
        checked.extend(part)
        progress(len(checked))
    return checked


def check_rows(private_key: bytes, election_id: str, rule: Any, rows: list[tuple]) -> list[opening.Checked]:
    """(device id, sequence, ballot id, sealed, cast minute, code hash, record hash) rows, opened and checked in order:
    a record whose stored fields the count cannot use is invalid with the reason, never opened."""
    problems = [fields.record_problem(*row[:6]) for row in rows]
    usable = [(row[3], row[0], row[2], row[6]) for row, problem in zip(rows, problems) if problem is None]
    opened = iter(opening.open_chunk(private_key, election_id, rule, usable))
    return [next(opened) if problem is None else (None, problem, None) for problem in problems]


def opening_pool() -> ProcessPoolExecutor | None:
    """Processes that open sealed ballots in parallel, one per core, started on the first large count."""
    processes = current_app.config["COUNT_PROCESSES"]
    if processes < 2:
        return None
    pool = current_app.extensions.get("vallokal_openers")
    if pool is None:
        pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"), initializer=store.die_with_parent,
                                   initargs=(os.getpid(), 0))
        current_app.extensions["vallokal_openers"] = pool
    return pool


def save(result: dict[str, Any], counted: opening.Counted, counted_by: str, counting_rule: str, input_hash: str, now: datetime) -> Count:
    """Store the outcome, its ballots and its tracking codes in one transaction: a count is whole or absent."""
    outcome_hash = hashlib.sha256(canonical_json(result)).hexdigest()
    count = Count(
        at=now, counted_by=counted_by, counting_rule=counting_rule, input_hash=input_hash, outcome_hash=outcome_hash,
        outcome=json.dumps(result, ensure_ascii=False, sort_keys=True),
    )
    return store.save_count(count, counted.opened, sorted(counted.codes))


def _local_day(minute: str, zone: Any) -> str:
    try:
        moment = datetime.strptime(minute, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return "unknown"
    return moment.astimezone(zone).date().isoformat()


# Reading counts back -----------------------------------------------------------------


get = store.get_count
latest_published = store.latest_published_count
all_counts = store.all_counts


def publish(count_id: int, now: datetime, *, published_by: str, approved_by: str, with_undecided: bool = False) -> Count:
    """Publish a count, approved by a second, different clerk; refused while records it left out await the board.

    With `with_undecided` the board publishes anyway, and the protocol lists
    the held records as undecided.
    """
    count = store.get_count(count_id)
    if count is None:
        raise LookupError(f"there is no count {count_id}")
    if not approved_by or approved_by == published_by:
        raise store.NotApproved("publishing needs a second, different clerk to approve")
    if count.differs_from is not None:
        raise CountError(f"count {count_id} differs from count {count.differs_from} of the same inputs; it cannot be published")
    undecided = held(count)["undecided"]
    if undecided and not with_undecided:
        raise CountError(
            f"count {count_id} leaves out {undecided} held record(s) the board has not decided; decide them and count again, "
            "or publish explicitly with them listed as undecided"
        )
    return store.mark_published(count, now, published_by, approved_by, undecided=undecided, with_undecided=with_undecided)


def held(count: Count) -> dict[str, int]:
    """How many records the count left out while the board decides (zeros for counts made before holds existed)."""
    return {"undecided": 0, "left_out": 0, "counted": 0, **outcome(count).get("held", {})}


def outcome(count: Count) -> dict[str, Any]:
    return json.loads(count.outcome)


def counted_ballots(count: Count) -> list[tuple[str, dict[str, Any]]]:
    """The valid ballots of a count in their shuffled order, as (channel, choices)."""
    return [(channel, json.loads(choices)) for channel, choices in store.counted_choices(count)]


tracking_codes = store.tracking_codes
was_counted = store.was_counted
