"""Alerts that cannot bury each other, and a last contact that replays cannot refresh (issue 14, finding 6)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from syncing import bundle_of, cast, log_in, now, post_bundle
from vallokal.kiosk import store as station_store
from vallokal.sync.office import presentation, store as office_store
from vallokal.sync.office.models import Device


def device_of(station) -> str:
    with station.app_context():
        return station_store.station().device_id


def test_a_replayed_revoked_bundle_is_one_row_and_the_code_used_twice_stays_in_view(election, staff):
    code_hash = hashlib.sha256(b"CODE-1").hexdigest()
    first, second, thief = election.station("Station A"), election.station("Station B"), election.station("Stulen")
    cast(first, 1, code_hash=code_hash)
    cast(second, 1, code_hash=code_hash)
    assert post_bundle(election, bundle_of(first)).status_code == 200
    assert post_bundle(election, bundle_of(second)).status_code == 200
    cast(thief, 1)
    replay = bundle_of(thief)
    with election.office.app_context():
        office_store.revoke(device_of(thief), "stolen from the library", now())
    for _ in range(205):
        assert post_bundle(election, replay).status_code == 403
    with election.office.app_context():
        groups = {(group.kind, group.device_id): group for group in office_store.alert_groups()}
    revoked = groups[("revoked_device", device_of(thief))]
    assert revoked.count == 205 and revoked.first_at <= revoked.last_at
    assert ("code_used_twice", device_of(second)) in groups and len(groups) == 2
    log_in(staff)
    page = staff.get("/alerts").get_data(as_text=True)
    with election.office.test_request_context():
        used_twice, revoked_name = presentation.alert_name("code_used_twice"), presentation.alert_name("revoked_device")
    assert used_twice in page and "205" in page and page.count(revoked_name) == 1, "each kind in words, once, with its count"


def test_a_replayed_bundle_does_not_refresh_the_stations_last_contact(election):
    station = election.station()
    cast(station, 3)
    data = bundle_of(station)
    assert post_bundle(election, data).status_code == 200
    long_ago = now() - timedelta(hours=2)
    with election.office.app_context():
        office_store.db.session.execute(sa.update(Device).values(last_contact=long_ago))
        office_store.db.session.commit()
    assert post_bundle(election, data).status_code == 200
    with election.office.app_context():
        (row,) = office_store.stations()
        assert row["silent"] and abs(row["last_contact"] - long_ago) < timedelta(seconds=1)
    cast(station, 1)
    assert post_bundle(election, bundle_of(station, 3)).status_code == 200
    with election.office.app_context():
        (row,) = office_store.stations()
        assert not row["silent"]
