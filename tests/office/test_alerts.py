"""Alerts that cannot bury each other, and a last contact that replays cannot refresh (issue 14, finding 6)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext
from syncing import bundle_of, cast, log_in, now, post_bundle
from test_hostile_input import good_row, signed_bundle
from vallokal.election import envelope
from vallokal.kiosk import store as station_store
from vallokal.sync.office import counting, presentation, store as office_store
from vallokal.sync.office.models import Device

CODE = hashlib.sha256(b"KOD-2").hexdigest()


def device_of(station) -> str:
    with station.app_context():
        return station_store.station().device_id


@pytest.mark.parametrize("election_options", [{"check_in": "code", "code_hashes": [hashlib.sha256(name).hexdigest() for name in (b"CODE-1", b"CODE-2")]}])
def test_a_replayed_revoked_bundle_is_one_row_and_the_code_used_twice_stays_in_view(election, staff):
    code_hash = hashlib.sha256(b"CODE-1").hexdigest()
    first, second, thief = election.station("Station A"), election.station("Station B"), election.station("Stulen")
    cast(first, 1, code_hash=code_hash)
    cast(second, 1, code_hash=code_hash)
    assert post_bundle(election, bundle_of(first)).status_code == 200
    assert post_bundle(election, bundle_of(second)).status_code == 200
    cast(thief, 1, code_hash=hashlib.sha256(b"CODE-2").hexdigest())
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


@pytest.mark.parametrize("election_options", [{"check_in": "code", "code_hashes": [CODE]}])
def test_the_alert_for_a_code_used_at_two_stations_says_both_are_held_for_the_board(election, staff):
    first, second = election.station("Station A"), election.station("Station B")
    cast(first, 1, code_hash=CODE)
    cast(second, 1, code_hash=CODE)
    assert post_bundle(election, bundle_of(first)).status_code == 200
    assert post_bundle(election, bundle_of(second)).status_code == 200
    with election.office.test_request_context():
        (alert,) = [alert for alert in office_store.alerts() if alert.kind == "code_used_twice"]
        said = presentation.alert_detail(alert.kind, alert.detail)
        assert said == str(lazy_gettext("Used at more than one station: every record with this code is held for the board until two "
                                        "clerks decide. See Held records."))
        held = sorted(item["station"] for item in office_store.held_records())
        on_the_audit_page = str(lazy_gettext("Held for the board:"))
    assert held == ["Station A", "Station B"]
    log_in(staff)
    alerts = staff.get("/alerts").get_data(as_text=True)
    assert said in alerts and "first counts" not in alerts
    assert on_the_audit_page in staff.get("/audit").get_data(as_text=True)


@pytest.mark.parametrize("election_options", [{"check_in": "code", "code_hashes": [CODE]}])
def test_a_held_record_never_voids_a_real_one_with_the_same_code_at_one_station(election, sealing_key):
    """A forged later record with a real ballot's code, back-dated (so held): the real ballot still counts, both are before the board."""
    station = election.station()
    real, forged = good_row(station, 1), good_row(station, 2)
    real[4] = forged[4] = CODE
    forged[3] = envelope.cast_minute(now() - timedelta(minutes=30))
    assert post_bundle(election, signed_bundle(station, [real, forged])).status_code == 200
    with election.office.test_request_context():
        (alert,) = [alert for alert in office_store.alerts() if alert.kind == "code_used_twice"]
        assert presentation.alert_detail(alert.kind, alert.detail) == str(lazy_gettext(
            "Used twice at one station: the ballot cast first counts, unless one of them is held; then every record with this code is "
            "held for the board. See Voting codes."))
        result = counting.outcome(counting.run(sealing_key, "test", now()))
        reasons = sorted((item["sequence"], item["hold"].reason) for item in office_store.held_records())
    assert reasons == [(1, "code_used_twice"), (2, "code_used_twice"), (2, "earlier_than_predecessor")]
    assert result["left_out_duplicates"] == 0 and result["held"]["undecided"] == 2


@pytest.mark.parametrize("election_options", [{"check_in": "code", "code_hashes": [CODE]}])
def test_a_code_used_twice_at_one_station_keeps_the_first_cast(election, sealing_key):
    station = election.station()
    first, second = good_row(station, 1), good_row(station, 2)
    first[4] = second[4] = CODE
    assert post_bundle(election, signed_bundle(station, [first, second])).status_code == 200
    with election.office.test_request_context():
        result = counting.outcome(counting.run(sealing_key, "test", now()))
        (duplicate,) = office_store.code_duplicates()
    assert not duplicate["held"] and duplicate["counted"].sequence == 1
    assert result["valid"] == 1 and result["left_out_duplicates"] == 1 and result["held"]["undecided"] == 0
