"""Whatever a well-signed record holds, ingest answers below 500 and the count finishes (issue 14, "the count can never be stopped").

Records are signed with a real enrolled station's device key. Those ingest
refuses are also written straight into the office's table, as the office before
field validation would have stored them; the count must still finish, with every
record counted valid or invalid with a reason.
"""

from __future__ import annotations

import itertools
import secrets

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st
from syncing import now, post_bundle
from test_hostile_input import signed_bundle
from vallokal.election import envelope
from vallokal.kiosk import store as station_store
from vallokal.sync.office import counting, store as office_store
from vallokal.sync.office.models import Bundle, Record

UNIQUE = itertools.count(1)
json_leaf = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=20)
choices = st.one_of(
    st.fixed_dictionaries({"selected": st.lists(st.sampled_from(["bankar", "odling", "lekplats", "okänt"]) | st.text(max_size=8), max_size=6)}),
    st.fixed_dictionaries({"points": st.dictionaries(st.text(max_size=8), st.integers(-(2**40), 2**40), max_size=4)}),
    st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8),
)
storable_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=17)
records = st.lists(
    st.fixed_dictionaries({
        "sequence": st.sampled_from(["small", "huge", "negative"]),
        "ballot_id": st.sampled_from(["hex"]) | storable_text.map(lambda text: text[:15]),
        "choices": choices,
        "sealed": st.sampled_from(["real", "real", "garbage"]),
        "cast_minute": st.sampled_from(["now", "2026-02-30T10:00Z", "2026-11-22T25:61Z"]) | storable_text,
        "code_hash": st.none() | st.just("hex") | storable_text,
    }),
    min_size=1,
    max_size=4,
)


def realise(station, drawn: dict) -> list:
    with station.app_context():
        package = station_store.current_package()
        device_id = station_store.station().device_id
    unique = next(UNIQUE)
    sequence = {"small": unique, "huge": 2**62 + unique, "negative": -unique}[drawn["sequence"]]
    ballot_id = envelope.new_ballot_id() if drawn["ballot_id"] == "hex" else f"{drawn['ballot_id']}{unique}"[:32]
    try:
        sealed = envelope.seal(drawn["choices"], package.sealing_key, package.id, device_id, ballot_id)
    except Exception:
        sealed = "not-a-seal"
    if drawn["sealed"] == "garbage":
        sealed = secrets.token_urlsafe(12)
    cast_minute = envelope.cast_minute(now()) if drawn["cast_minute"] == "now" else drawn["cast_minute"]
    code_hash = secrets.token_hex(32) if drawn["code_hash"] == "hex" else drawn["code_hash"]
    return [sequence, ballot_id, sealed, cast_minute, code_hash]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(drawn=records)
def test_arbitrary_signed_records_never_stop_ingest_or_the_count(election, sealing_key, drawn):
    station = election.stations[0] if election.stations else election.station()
    with station.app_context():
        device_id = station_store.station().device_id
    rows = [realise(station, item) for item in drawn]
    response = post_bundle(election, signed_bundle(station, rows, previous_hash=secrets.token_hex(32)))
    assert response.status_code < 500, response.get_json()
    with election.office.app_context():
        session = office_store.db.session
        bundle_id = session.scalar(sa.select(Bundle.id).limit(1))
        if bundle_id is None:
            bundle_id = session.scalar(sa.insert(Bundle).values(sha256=secrets.token_hex(32), device_id=device_id, channel="file",
                                                                received_at=now(), records_in_bundle=0, records_accepted=0).returning(Bundle.id))
        if response.status_code != 200:
            for sequence, ballot_id, sealed, cast_minute, code_hash in rows:
                session.execute(sa.insert(Record).values(
                    device_id=device_id, sequence=sequence, election_id="x", ballot_id=ballot_id, sealed=sealed, cast_minute=cast_minute,
                    code_hash=code_hash, previous_hash="0" * 64, record_hash=secrets.token_hex(32), signature="x", bundle_id=bundle_id,
                ))
        session.commit()
        stored = session.scalar(sa.select(sa.func.count()).select_from(Record))
        result = counting.outcome(counting.run(sealing_key, "fuzz", now()))
    assert result["received"] == stored
    held = result["held"]["undecided"] + result["held"]["left_out"]
    assert result["valid"] + sum(result["invalid"].values()) + result["left_out_duplicates"] + held == stored, "each record counted, invalid, left out or held, once"
    assert all(reason for reason in result["invalid"])
