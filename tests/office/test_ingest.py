"""The office merges what stations send: exactly once, whatever the order, refusing what is forged."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from syncing import BUNDLE_TYPE, bundle_of, cast, now, post_bundle
from vallokal.election import envelope, package as packages
from vallokal.kiosk import outbox, store as station_store
from vallokal.sync import bundle as bundles
from vallokal.sync.office import store as office_store


def statuses(response) -> list[str]:
    return [result["status"] for result in response.get_json()["body"]["results"]]


def test_a_bundle_is_accepted_and_acknowledged_with_a_signature(election):
    station = election.station()
    cast(station, 5)
    data = bundle_of(station)
    response = post_bundle(election, data)
    assert response.status_code == 200, response.get_json()
    with station.app_context():
        office_key = station_store.current_package().office_signing_key
        device_id = station_store.station().device_id
    ack = bundles.read_ack(response.get_json(), office_key, bundles.bundle_hash(data), device_id)
    assert ack["high_water"] == 5 and statuses(response) == ["accepted"] * 5
    with station.app_context():
        assert [(device_id, record.sequence, record.hash) for record in station_store.records()] == election.office_records()


def test_sending_the_same_bundle_twice_changes_nothing(election):
    station = election.station()
    cast(station, 4)
    data = bundle_of(station)
    post_bundle(election, data)
    before = election.office_records()
    again = post_bundle(election, data)
    assert again.status_code == 200 and statuses(again) == ["already_had"] * 4
    assert election.office_records() == before
    with election.office.app_context():
        assert office_store.totals()["records"] == 4


def test_overlapping_bundles_store_each_record_once(election):
    station = election.station()
    cast(station, 15)
    post_bundle(election, bundle_of(station, 0, 10))
    response = post_bundle(election, bundle_of(station, 4, 11))
    assert statuses(response) == ["already_had"] * 6 + ["accepted"] * 5
    assert [sequence for _, sequence, _ in election.office_records()] == list(range(1, 16))


def test_out_of_order_bundles_leave_a_named_gap_until_it_is_filled(election):
    station = election.station()
    cast(station, 20)
    late = post_bundle(election, bundle_of(station, 10, 10))
    assert late.status_code == 200 and late.get_json()["body"]["high_water"] == 0
    with election.office.app_context():
        device_id = office_store.stations()[0]["device"].device_id
        assert office_store.missing_ranges(device_id) == [(1, 10)]
    early = post_bundle(election, bundle_of(station, 0, 10))
    assert early.get_json()["body"]["high_water"] == 20
    with election.office.app_context():
        assert office_store.missing_ranges(device_id) == []


def test_a_gap_in_the_middle_is_named(election):
    station = election.station()
    cast(station, 30)
    post_bundle(election, bundle_of(station, 0, 10))
    post_bundle(election, bundle_of(station, 15, 5))
    post_bundle(election, bundle_of(station, 25, 5))
    with election.office.app_context():
        row = office_store.stations()[0]
        assert row["missing"] == [(11, 15), (21, 25)] and row["device"].high_water == 10


def test_a_bundle_for_another_election_is_refused(election):
    other = packages.build_file(election.make_document(election_id="other-2026"), election.authority_key)
    station = election.station(package_file=other, enrol=False)
    with station.app_context():
        from vallokal.election import certificate

        request = outbox.enrolment_request()
        outbox.install_certificate(certificate.issue(request["body"], election.authority_key, now().replace(year=2020), now().replace(year=2030)))
    cast(station, 2)
    response = post_bundle(election, bundle_of(station))
    assert response.status_code == 422 and "other-2026" in response.get_json()["error"]
    assert election.office_records() == []


def tamper(data: bytes, change) -> bytes:
    document = json.loads(gzip.decompress(data))
    change(document)
    return gzip.compress(packages.canonical_json(document))


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (lambda document: document["body"]["records"][1].__setitem__(2, document["body"]["records"][0][2]), 422),
        (lambda document: document["body"]["records"][2].__setitem__(3, "2026-01-01T00:00Z"), 422),
        (lambda document: document["body"]["records"][0].__setitem__(5, document["body"]["records"][1][5]), 422),
        (lambda document: document["body"]["records"].pop(1), 422),
        (lambda document: document["body"]["records"].reverse(), 422),
        (lambda document: document["body"].__setitem__("created", "yesterday"), 422),
        (lambda document: document["body"]["certificate"]["body"].__setitem__("station_name", "Elsewhere"), 403),
    ],
    ids=["swapped sealed ballot", "changed cast time", "borrowed signature", "dropped record", "reordered", "changed bundle field", "altered certificate"],
)
def test_altered_bundles_are_refused_whole(election, change, status):
    station = election.station()
    cast(station, 3)
    response = post_bundle(election, tamper(bundle_of(station), change))
    assert response.status_code == status, response.get_json()
    assert election.office_records() == []


def test_a_bundle_signed_by_another_key_is_refused(election):
    station = election.station()
    cast(station, 2)
    with station.app_context():
        items = station_store.signed_records(0, None)
        package = station_store.current_package()
        device_id = station_store.station().device_id
        forged = bundles.build(items, outbox.certificate(), Ed25519PrivateKey.generate(), package.id, device_id, "now")
    response = post_bundle(election, forged)
    assert response.status_code == 422 and "signature" in response.get_json()["error"]
    assert election.office_records() == []


def test_an_unenrolled_device_is_refused(election):
    station = election.station(enrol=False)
    cast(station, 1)
    with station.app_context():
        package = station_store.current_package()
        data = bundles.build(
            station_store.signed_records(0, None),
            {"body": {}, "signature": ""},
            station.extensions["vallokal_device_key"],
            package.id,
            station_store.station().device_id,
            "now",
        )
    response = post_bundle(election, data)
    assert response.status_code == 403 and election.office_records() == []


def test_a_contradicting_record_is_a_conflict_with_an_alert_and_no_overwrite(election):
    station = election.station()
    cast(station, 3)
    post_bundle(election, bundle_of(station))
    before = election.office_records()
    with station.app_context():
        items = station_store.signed_records(0, None)
        key = station.extensions["vallokal_device_key"]
        package = station_store.current_package()
        device_id = station_store.station().device_id
    other = envelope.BallotRecord(package.id, device_id, 1, envelope.new_ballot_id(), items[0].record.sealed, items[0].record.previous_hash, items[0].record.cast_minute)
    data = bundles.build([bundles.SignedRecord(other, other.sign(key))], outbox_certificate(station), key, package.id, device_id, "now")
    response = post_bundle(election, data)
    assert response.status_code == 409 and "conflict" in response.get_json()["error"]
    assert election.office_records() == before
    with election.office.app_context():
        assert [alert.kind for alert in office_store.alerts()] == ["conflict"]


def outbox_certificate(station):
    with station.app_context():
        return outbox.certificate()


def test_a_revoked_device_is_refused_later_and_its_earlier_records_stay(election):
    station = election.station()
    cast(station, 3)
    post_bundle(election, bundle_of(station))
    with election.office.app_context():
        device_id = office_store.stations()[0]["device"].device_id
        office_store.revoke(device_id, "tablet stolen", now())
    cast(station, 2)
    response = post_bundle(election, bundle_of(station, 3))
    assert response.status_code == 403 and "tablet stolen" in response.get_json()["error"]
    assert len(election.office_records()) == 3


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"", BUNDLE_TYPE, 400),
        (b"not gzip at all", BUNDLE_TYPE, 400),
        (gzip.compress(b"{not json"), BUNDLE_TYPE, 400),
        (gzip.compress(b"[]"), BUNDLE_TYPE, 400),
        (gzip.compress(b'{"body": {}, "signature": 1}'), BUNDLE_TYPE, 400),
        (gzip.compress(b"[" * 100_000), BUNDLE_TYPE, 400),
        (gzip.compress(b'{"a": 1}')[:-6], BUNDLE_TYPE, 400),
        (b'{"body": {}}', "application/json", 415),
        (b"x", "text/html", 415),
    ],
    ids=["empty", "not gzip", "not json", "a list", "wrong fields", "deep nesting", "cut short", "plain json", "html"],
)
def test_malformed_bodies_get_a_4xx_and_change_nothing(election, body, content_type, status):
    response = post_bundle(election, body, content_type)
    assert response.status_code == status, response.get_json()
    assert "error" in response.get_json()
    assert election.office_records() == []


def test_a_bundle_too_large_or_a_gzip_bomb_is_refused_with_413(election):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = compressor.compress(b"0" * (64 * 1024 * 1024)) + compressor.flush()
    assert len(bomb) < 200_000
    assert post_bundle(election, bomb).status_code == 413
    huge = post_bundle(election, b"\x1f\x8b" + bytes(9 * 1024 * 1024))
    assert huge.status_code == 413 and "error" in huge.get_json()
    assert election.office_records() == []


def test_records_signed_in_another_bundle_join_the_chain_where_they_belong(election):
    station = election.station()
    cast(station, 6)
    post_bundle(election, bundle_of(station, 0, 3))
    with station.app_context():
        items = station_store.signed_records(3, None)
        key = station.extensions["vallokal_device_key"]
        package = station_store.current_package()
        device_id = station_store.station().device_id
    # A record 4 that names a different predecessor does not link to the stored record 3.
    broken = envelope.BallotRecord(package.id, device_id, 4, items[0].record.ballot_id, items[0].record.sealed, "00" * 32, items[0].record.cast_minute)
    data = bundles.build([bundles.SignedRecord(broken, broken.sign(key))], outbox_certificate(station), key, package.id, device_id, "now")
    response = post_bundle(election, data)
    assert response.status_code == 409
    assert len(election.office_records()) == 3


def test_device_status_is_signed_and_tells_where_to_resume(election):
    station = election.station()
    cast(station, 4)
    post_bundle(election, bundle_of(station))
    with station.app_context():
        device_id = station_store.station().device_id
        office_key = station_store.current_package().office_signing_key
    response = election.office.test_client().get(f"/api/v1/devices/{device_id}")
    body = bundles.office_verify(response.get_json(), office_key)
    assert body["high_water"] == 4 and body["received"] == 4
    assert election.office.test_client().get("/api/v1/devices/nobody").status_code == 404


def test_openapi_document_is_served(election):
    document = election.office.test_client().get("/api/v1/openapi.json").get_json()
    assert set(document["paths"]) == {"/api/v1/bundles", "/api/v1/devices/{device_id}", "/api/v1/openapi.json"}


def test_office_records_are_append_only(election):
    station = election.station()
    cast(station, 1)
    post_bundle(election, bundle_of(station))
    with election.office.app_context():
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            office_store.db.session.execute(sa.text("UPDATE ballot_record SET sealed = 'x'"))
        office_store.db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            office_store.db.session.execute(sa.text("DELETE FROM ballot_record"))
        office_store.db.session.rollback()
    assert len(election.office_records()) == 1
