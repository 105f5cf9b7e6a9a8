"""Hostile input at the office (issue 14, findings 2 and 3): refused with a 4xx and a reason, nothing stored, the count goes on.

The forged and malformed records are signed with a real enrolled station's
device key, as a thief who took a station could sign them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib

import pytest
import sqlalchemy as sa
from syncing import PASSWORD, bundle_of, cast, log_in, now, post_bundle
from vallokal.election import envelope
from vallokal.election.package import canonical_json
from vallokal.kiosk import outbox, store as station_store
from vallokal.sync.office import counting, presentation, store as office_store
from vallokal.sync.office.models import Bundle, Record, RecordCheck


def signed_bundle(station, rows: list[list], previous_hash: str | None = None) -> bytes:
    """A bundle of raw record rows, every signature made with the station's own device key."""
    with station.app_context():
        package = station_store.current_package()
        device_id = station_store.station().device_id
        certificate = outbox.certificate()
    key = station.extensions["vallokal_device_key"]
    previous = previous_hash or envelope.genesis_hash(package.id, device_id)
    first = previous
    signed_rows = []
    for sequence, ballot_id, sealed, cast_minute, code_hash in rows:
        record = envelope.BallotRecord(package.id, device_id, sequence, ballot_id, sealed, previous, cast_minute, code_hash)
        signed_rows.append([sequence, ballot_id, sealed, cast_minute, code_hash, record.sign(key)])
        previous = record.hash
    body = {
        "format": "vallokal-bundle", "version": 1, "election_id": package.id, "device_id": device_id, "certificate": certificate,
        "previous_hash": first, "records": signed_rows, "closing_report": None, "created": now().isoformat(timespec="seconds"),
    }
    document = {"body": body, "signature": base64.b64encode(key.sign(canonical_json(body, checked=False))).decode("ascii")}
    return gzip.compress(canonical_json(document, checked=False))


def good_row(station, sequence: int = 1) -> list:
    with station.app_context():
        package = station_store.current_package()
        device_id = station_store.station().device_id
    ballot_id = envelope.new_ballot_id()
    sealed = envelope.seal({"selected": ["bankar"]}, package.sealing_key, package.id, device_id, ballot_id)
    return [sequence, ballot_id, sealed, envelope.cast_minute(now()), None]


def stored(election) -> tuple[int, int]:
    with election.office.app_context():
        records = office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Record))
        bundles = office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Bundle))
    return records, bundles


MALFORMED = {
    "sequence 2^63": (0, 2**63),
    "sequence 10^30": (0, 10**30),
    "sequence 2^53": (0, 2**53),
    "sequence zero": (0, 0),
    "overlong ballot id": (1, "a" * 10_000),
    "ballot id with NUL": (1, "0" * 31 + "\x00"),
    "ballot id not hex": (1, "../../etc/passwd" + "0" * 16),
    "NUL in sealed": (2, "AAAA\x00AAAA"),
    "sealed not base64": (2, "not base64 at all!"),
    "overlong sealed": (2, "A" * 40_000),
    "minute that is not a minute": (3, "2026-13-45T99:99Z"),
    "minute as words": (3, "yesterday"),
    "overlong minute": (3, "2026-11-22T10:07Z" * 100),
    "overlong code hash": (4, "ab" * 5_000),
    "code hash not hex": (4, "x" * 64),
}


@pytest.mark.parametrize("field, value", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_record_with_a_field_out_of_shape_is_refused_with_a_reason_and_nothing_is_stored(election, field, value):
    station = election.station()
    row = good_row(station)
    row[field] = value
    response = post_bundle(election, signed_bundle(station, [row]))
    assert response.status_code == 400, response.get_json()
    assert "record 0" in response.get_json()["error"] or "digits" in response.get_json()["error"]
    assert stored(election) == (0, 0)
    assert post_bundle(election, signed_bundle(station, [good_row(station)])).status_code == 200


def test_an_overlong_signature_is_refused(election):
    station = election.station()
    data = signed_bundle(station, [good_row(station)])
    document = __import__("json").loads(gzip.decompress(data))
    document["body"]["records"][0][5] = "A" * 10_000
    response = post_bundle(election, gzip.compress(canonical_json(document)))
    assert response.status_code == 400 and "signature" in response.get_json()["error"]
    assert stored(election) == (0, 0)


def test_two_records_with_the_same_ballot_id_in_one_bundle_are_refused_not_sent_again(election):
    station = election.station()
    first, second = good_row(station, 1), good_row(station, 2)
    second[1], second[2] = first[1], first[2]
    response = post_bundle(election, signed_bundle(station, [first, second]))
    assert response.status_code == 422 and "twice" in response.get_json()["error"]
    assert stored(election) == (0, 0)


def test_a_five_thousand_digit_integer_in_a_bundle_body_is_refused_without_any_key(election):
    body = b'{"body":{"version":' + b"7" * 5_000 + b'},"signature":"x"}'
    response = post_bundle(election, gzip.compress(body))
    assert response.status_code == 400 and "digits" in response.get_json()["error"]


def test_decimals_and_constants_in_a_bundle_body_are_refused(election):
    for text in (b'{"body":{"version":1.5},"signature":"x"}', b'{"body":{"version":NaN},"signature":"x"}'):
        response = post_bundle(election, gzip.compress(text))
        assert response.status_code == 400 and "whole number" in response.get_json()["error"]


@pytest.mark.parametrize("extra", [b"trailing garbage", gzip.compress(b"{}")], ids=["trailing garbage", "second gzip member"])
def test_bytes_after_the_end_of_a_bundle_are_refused(election, extra):
    station = election.station()
    cast(station, 2)
    response = post_bundle(election, bundle_of(station) + extra)
    assert response.status_code == 400 and "after its end" in response.get_json()["error"]
    assert stored(election) == (0, 0)


def test_a_nul_byte_in_a_device_id_is_a_404_not_a_500(election):
    client = election.office.test_client()
    for device_id in ("dev-%00abc", "a" * 500, "..", "dev..x"):
        response = client.get(f"/api/v1/devices/{device_id}")
        assert response.status_code == 404, device_id
        assert "device id" in response.get_json()["error"]


def test_a_nul_byte_in_a_login_name_is_a_wrong_login_not_a_500(staff):
    assert log_in(staff, PASSWORD, username="an\x00na").status_code == 422
    assert log_in(staff, PASSWORD).status_code == 302


def test_a_bundle_with_a_malformed_device_id_or_previous_hash_is_refused(election):
    station = election.station()
    data = signed_bundle(station, [good_row(station)])
    for field, value in (("device_id", "dev\x00x"), ("previous_hash", "zz"), ("created", "x" * 1000)):
        document = __import__("json").loads(gzip.decompress(data))
        document["body"][field] = value
        response = post_bundle(election, gzip.compress(canonical_json(document)))
        assert response.status_code == 400 and field in response.get_json()["error"], field
    assert stored(election) == (0, 0)


def store_unchecked(election, station, row: list) -> None:
    """Put a record in the office's table as the old ingest would have let it in: its signature checked then."""
    with station.app_context():
        device_id = station_store.station().device_id
    assert post_bundle(election, signed_bundle(station, [good_row(station)])).status_code == 200
    with election.office.app_context():
        session = office_store.db.session
        bundle_id = session.scalar(sa.select(Bundle.id))
        session.execute(sa.insert(Record).values(
            device_id=device_id, sequence=row[0], election_id="x", ballot_id=row[1], sealed=row[2], cast_minute=row[3],
            code_hash=row[4], previous_hash="0" * 64, record_hash="f" * 64, signature="x", bundle_id=bundle_id,
        ))
        record_id = session.scalar(sa.select(Record.id).where(Record.record_hash == "f" * 64))
        session.execute(sa.insert(RecordCheck).values(record_id=record_id, ok=True))
        session.commit()


@pytest.mark.parametrize(
    "field, value",
    [(3, "2026-99-99"), (2, "%%%"), (1, "short"), (4, "nothex")],
    ids=["minute that is not a minute", "sealed not base64", "short ballot id", "code hash not hex"],
)
def test_a_stored_record_the_count_cannot_use_is_counted_invalid_with_its_reason(election, sealing_key, field, value):
    station = election.station()
    row = good_row(station, 2)
    row[field] = value
    store_unchecked(election, station, row)
    with election.office.app_context():
        result = counting.outcome(counting.run(sealing_key, "test", now()))
    assert result["valid"] == 1 and result["received"] == 2
    (reason, number), = result["invalid"].items()
    assert number == 1 and reason.startswith("malformed: ")
    assert result["channels"]["station"]["invalid"] == 1


def test_a_record_stored_after_the_counts_signature_check_is_not_opened_unchecked(election, sealing_key, monkeypatch):
    station = election.station()
    store_unchecked(election, station, good_row(station, 2))
    with election.office.app_context():
        office_store.verify_pending()
        office_store.db.session.execute(sa.delete(RecordCheck).where(RecordCheck.record_id == sa.select(sa.func.max(Record.id)).scalar_subquery()))
        office_store.db.session.commit()
        monkeypatch.setattr(office_store, "verify_pending", lambda progress=None: (0, 0))  # it arrived just after the last check
        result = counting.outcome(counting.run(sealing_key, "test", now()))
        assert result["received"] == 1 and result["valid"] == 1
        assert office_store.totals()["unchecked"] == 1


@pytest.mark.parametrize("device_id, station_name", [("dev\x00x", "Tensta"), ("dev-ok", "Tensta\x00"), ("../dev", "Tensta"), ("dev-ok", "x" * 5_000)])
def test_an_enrolment_request_with_fields_out_of_shape_is_refused(election, device_id, station_name):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from vallokal.election import certificate as certificates

    with election.office.app_context():
        package = office_store.require_election()
        request = certificates.make_request(Ed25519PrivateKey.generate(), device_id, station_name, package.id, now())
        with pytest.raises(certificates.CertificateError, match="enrolment request"):
            office_store.enrol(request, election.authority_key, now())
        assert office_store.stations() == []


def test_revoking_a_device_id_with_a_nul_is_not_found(staff):
    from syncing import token

    log_in(staff)
    response = staff.post("/stations/dev%00x/revoke", data={"csrf_token": token(staff, "/"), "reason": "stolen\x00"})
    assert response.status_code == 404


PACKAGE_CODE = hashlib.sha256(b"KOD-1").hexdigest()
FOREIGN_CODE = hashlib.sha256(b"NOT A CODE OF THIS ELECTION").hexdigest()


@pytest.mark.parametrize(
    "election_options, codes",
    [({"check_in": "code", "code_hashes": [PACKAGE_CODE]}, [PACKAGE_CODE, FOREIGN_CODE, None]), ({}, [None, FOREIGN_CODE, None])],
    ids=["code check-in: an unknown code and none", "open check-in: a code where the package uses none"],
)
def test_a_record_whose_voting_code_is_not_the_packages_is_held_not_counted(election, sealing_key, staff, election_options, codes):
    """Issue 13 "Codes" at the office: held for the board with an alert, the bundle stored, so the station's later ballots still arrive."""
    station = election.station()
    rows = [good_row(station, sequence) for sequence in (1, 2, 3)]
    for row, code in zip(rows, codes):
        row[4] = code
    response = post_bundle(election, signed_bundle(station, rows))
    assert response.status_code == 200, response.get_json()
    assert stored(election) == (3, 1)
    with election.office.app_context():
        held = sorted((item["sequence"], item["hold"].reason) for item in office_store.held_records())
        (alert,) = [alert for alert in office_store.alerts() if alert.kind == "held_record"]
    foreign = [sequence for sequence, code in zip((1, 2, 3), codes) if (code != PACKAGE_CODE if election_options else code)]
    assert held == [(sequence, "code_not_in_package") for sequence in foreign]
    assert f'"count": {len(foreign)}' in alert.detail
    with election.office.app_context():
        result = counting.outcome(counting.run(sealing_key, "test", now()))
    assert result["valid"] == 3 - len(foreign) and result["held"]["undecided"] == len(foreign)
    with election.office.test_request_context():
        said = presentation.alert_detail(alert.kind, alert.detail)
    log_in(staff)
    page = staff.get("/alerts").get_data(as_text=True)
    assert said in page and "code_not_in_package" not in said, "the reason in words, not its machine name"


def test_a_ballot_id_stored_from_another_station_is_a_conflict_with_an_alert_and_nothing_of_the_bundle_is_stored(election):
    """The unique constraint meets it first (no query on ingest's hot path); the answer is still 409 with the reason."""
    first, thief = election.station("Tensta"), election.station("Rinkeby")
    genuine = good_row(first)
    assert post_bundle(election, signed_bundle(first, [genuine])).status_code == 200
    copied = good_row(thief)
    copied[1] = genuine[1]
    response = post_bundle(election, signed_bundle(thief, [good_row(thief, 1), [2, *copied[1:]]]))
    assert response.status_code == 409 and "already stored with other content" in response.get_json()["error"]
    assert stored(election) == (1, 1)
    with election.office.app_context():
        assert [alert.kind for alert in office_store.alerts()] == ["conflict"]
