"""The station's half of the journey: send unsent records to the office, or write them to a file.

Casting never waits for this. A background thread in the station server pushes
bundles whenever the office answers, backing off exponentially with jitter while
it does not; `vallokal station sync` pushes once. A bundle counts as delivered
only when the office's signed acknowledgement names exactly that bundle, and the
station resumes from the office's high-water mark, so sending twice is harmless.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from ..election import certificate as certificates, keys
from ..sync import bundle as bundles
from ..web.clock import now
from . import store

CERTIFICATE_FILE = "device-certificate.json"
LONGEST_BACKOFF_SECONDS = 300.0
LONGEST_BACKOFF_AFTER_CLOSE_SECONDS = 60.0


class SyncError(Exception):
    """Why a push did not end in a signed acknowledgement."""


def certificate() -> dict[str, Any] | None:
    path = Path(current_app.instance_path) / CERTIFICATE_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def install_certificate(document: Any) -> dict[str, Any]:
    """Keep the office's certificate for this device, after checking it is really for it."""
    package = store.current_package()
    if package is None:
        raise certificates.CertificateError("load the election package before the certificate")
    checked = certificates.read_certificate(document, package.authority_key, package.id, now())
    station = store.station()
    if checked.device_id != station.device_id or checked.public_key != keys.public_text(current_app.extensions["vallokal_device_key"]):
        raise certificates.CertificateError("device certificate: issued for another device")
    path = Path(current_app.instance_path) / CERTIFICATE_FILE
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return document


def enrolment_request() -> dict[str, Any]:
    package = store.current_package()
    if package is None:
        raise certificates.CertificateError("load the election package first: the request names its election")
    station = store.station()
    return certificates.make_request(current_app.extensions["vallokal_device_key"], station.device_id, station.name, package.id, now())


def closing_report() -> dict[str, Any] | None:
    """The last closing report, while the polls are closed: it travels with every bundle."""
    if store.station().polls != "closed":
        return None
    return store.last_report("polls_closed")


def make_bundle(after: int, limit: int) -> tuple[bytes, list[int], dict[str, Any] | None]:
    package = store.current_package()
    document = certificate()
    if package is None or document is None:
        raise SyncError("this station has no package or no certificate from the office yet")
    items = store.signed_records(after, limit)
    report = closing_report()
    data = bundles.build(
        items,
        document,
        current_app.extensions["vallokal_device_key"],
        package.id,
        store.station().device_id,
        now().isoformat(timespec="seconds"),
        report,
        status(),
    )
    return data, [item.record.sequence for item in items], report


def status() -> dict[str, Any]:
    """The station's signed status for the office: zero-report and package-load minutes, a fresh nonce, and the
    participation counters so far per local day (aggregates only; see election.participation)."""
    return {
        "zero_report_at": store.first_zero_report_minute(), "package_loaded_at": store.package_loaded_minute(),
        "nonce": secrets.token_hex(16), "counters": store.participation_counters(),
    }


def _office_answer(request: urllib.request.Request) -> Any:
    try:
        with urllib.request.urlopen(request, timeout=current_app.config["SYNC_TIMEOUT_SECONDS"]) as response:
            body = response.read(1024 * 1024)
    except urllib.error.HTTPError as error:
        detail = error.read(4096).decode("utf-8", errors="replace")
        try:
            detail = json.loads(detail)["error"]
        except (ValueError, KeyError, TypeError):
            pass
        raise SyncError(f"the office answered {error.code}: {detail}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise SyncError(f"the office could not be reached: {error}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise SyncError("the answer was not the office's (not JSON): a proxy or login page?") from None


@dataclass(frozen=True)
class PushResult:
    bundles: int
    acknowledged: int
    pending: int


def resume_point(office_url: str, office_key: str, device_id: str) -> int | None:
    """Where the office says this device should resume, if it has heard of it."""
    request = urllib.request.Request(f"{office_url}/api/v1/devices/{device_id}", headers={"Accept": "application/json"})
    try:
        body = bundles.office_verify(_office_answer(request), office_key)
    except SyncError as error:
        if "answered 404" in str(error):
            return 0
        raise
    except bundles.BundleError as error:
        raise SyncError(str(error)) from None
    if body.get("type") != "vallokal-device-status" or body.get("device_id") != device_id or not isinstance(body.get("high_water"), int):
        raise SyncError("the office's device status is for another device")
    return body["high_water"]


def push(max_bundles: int | None = None) -> PushResult:
    """Send everything the office has not acknowledged (records, the closing report, counters that grew); raises SyncError on the first failure."""
    office_url = (current_app.config["OFFICE_URL"] or "").rstrip("/")
    package = store.current_package()
    if not office_url:
        raise SyncError("OFFICE_URL is not set: use `vallokal station export` to carry the records on a stick")
    if package is None or not package.office_signing_key:
        raise SyncError("the election package names no office signing key, so no answer could be trusted")
    device_id = store.station().device_id
    try:
        local_head = store.ballots_cast()
        acknowledged = min(resume_point(office_url, package.office_signing_key, device_id), local_head)
        sent = 0
        while max_bundles is None or sent < max_bundles:
            report = closing_report()
            pending = local_head - acknowledged
            counters = store.participation_counters()
            counters_sent = current_app.extensions.get("vallokal_counters_sent", {}) == counters
            if pending <= 0 and (report is None or store.sync_state().closing_acknowledged == report["at"]) and counters_sent:
                break
            data, sequences, report = make_bundle(acknowledged, current_app.config["SYNC_BATCH"])
            request = urllib.request.Request(
                f"{office_url}/api/v1/bundles", data=data, method="POST", headers={"Content-Type": bundles.CONTENT_TYPE}
            )
            try:
                ack = bundles.read_ack(_office_answer(request), package.office_signing_key, bundles.bundle_hash(data), device_id)
            except bundles.BundleError as error:
                raise SyncError(str(error)) from None
            sent += 1
            if sequences and ack["high_water"] < sequences[-1] and ack["high_water"] <= acknowledged:
                raise SyncError(f"the office acknowledged only up to {ack['high_water']}; it may be missing earlier records")
            acknowledged = min(ack["high_water"], local_head)
            current_app.extensions["vallokal_counters_sent"] = counters
            store.note_sync(now(), acknowledged=acknowledged, closing=report["at"] if report else None)
            local_head = store.ballots_cast()
    except SyncError as error:
        store.note_sync(now(), error=str(error))
        raise
    if sent == 0:
        store.note_sync(now(), acknowledged=acknowledged)
    return PushResult(sent, acknowledged, store.ballots_cast() - acknowledged)


def export(folder: Path) -> list[Path]:
    """Write every record (and any closing report) as bundle files, for a USB stick."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    after = 0
    device_id = store.station().device_id
    while True:
        data, sequences, _ = make_bundle(after, bundles.MAX_RECORDS)
        if not sequences and written:
            break
        span = f"{sequences[0]:07d}-{sequences[-1]:07d}" if sequences else "closing"
        path = folder / f"vallokal-{device_id}-{span}.bundle"
        path.write_bytes(data)
        written.append(path)
        if not sequences:
            break
        after = sequences[-1]
    return written


class Outbox:
    """The background sender: pushes when woken by a cast or every interval, backs off on failure."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake_up = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="vallokal-outbox", daemon=True)
        self.random = random.Random()

    def start(self) -> None:
        self.app.extensions["vallokal_outbox"] = self
        self.thread.start()

    def wake(self) -> None:
        self.wake_up.set()

    def stop(self) -> None:
        self.stopping.set()
        self.wake_up.set()
        self.thread.join(timeout=10)

    def _run(self) -> None:
        interval = self.app.config["SYNC_INTERVAL_SECONDS"]
        failures = 0
        while not self.stopping.is_set():
            before = self.acknowledged()
            try:
                with self.app.app_context():
                    push()
                failures = 0
            except SyncError:
                delivered = before is not None and (self.acknowledged() or 0) > before
                failures = 1 if delivered else failures + 1  # a send that delivered something starts the backoff again
            except Exception:
                self.app.logger.exception("outbox: unexpected failure")
                failures += 1
            if failures:
                self.wake_up.wait(self.backoff(failures, self.closing_with_pending()))
                self.wake_up.clear()
            else:
                self.wake_up.wait(interval)
                self.wake_up.clear()

    def backoff(self, failures: int, closing: bool = False) -> float:
        """Exponential, capped, with full jitter so stations that lost the network together do not return together.

        Once the polls are closed with records still to deliver, staff wait for
        "everything is at the office": the ceiling is then about a minute.
        """
        longest = LONGEST_BACKOFF_AFTER_CLOSE_SECONDS if closing else LONGEST_BACKOFF_SECONDS
        ceiling = min(longest, self.app.config["SYNC_FIRST_BACKOFF_SECONDS"] * 2 ** (failures - 1))
        return self.random.uniform(ceiling / 2, ceiling)

    def acknowledged(self) -> int | None:
        """Up to which sequence the office has acknowledged (None if the station cannot say)."""
        try:
            with self.app.app_context():
                return store.sync_state().acknowledged
        except Exception:
            return None

    def closing_with_pending(self) -> bool:
        """The polls are closed and records or the closing report are not yet acknowledged."""
        try:
            with self.app.app_context():
                if store.station().polls != "closed":
                    return False
                report = closing_report()
                return store.unsynced() > 0 or (report is not None and store.sync_state().closing_acknowledged != report["at"])
        except Exception:
            return False
