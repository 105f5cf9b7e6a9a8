"""Ingest's quick reading of a bundle's records accepts exactly what the field rules accept, and hashes as the record does."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from hypothesis import given, settings, strategies as st
from vallokal.election.envelope import BallotRecord, genesis_hash
from vallokal.sync import bundle as bundles, fields

HEX = "0123456789abcdef"
BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ODD = st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=5) | st.lists(st.integers(), max_size=2)

VALID = (
    st.integers(1, 2**53 - 1) | st.sampled_from([1, 2**53 - 1]),
    st.text(HEX, min_size=32, max_size=32),
    st.binary(min_size=61, max_size=70).map(lambda raw: base64.b64encode(raw).decode()),
    st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1)).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%MZ")),
    st.none() | st.text(HEX, min_size=64, max_size=64),
    st.binary(min_size=64, max_size=64).map(lambda raw: base64.b64encode(raw).decode()),
)
NEAR = (
    st.sampled_from([0, -1, 2**53, True, False, 1.0]) | ODD,
    st.text(HEX, min_size=31, max_size=33) | st.text(HEX + "A-", min_size=32, max_size=32) | ODD,
    st.text(BASE64 + "= \x00", min_size=80, max_size=92) | st.binary(min_size=50, max_size=63).map(lambda raw: base64.b64encode(raw).decode()) | ODD,
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z\Z") | st.text(max_size=20) | ODD,
    st.text(HEX, min_size=63, max_size=65) | st.text(HEX + "G", min_size=64, max_size=64) | ODD,
    st.text(BASE64 + "=", min_size=87, max_size=89) | st.binary(min_size=63, max_size=66).map(lambda raw: base64.b64encode(raw).decode()) | ODD,
)


@st.composite
def rows(draw) -> list:
    """A well-formed record with none, one or two fields spoilt (some spoilt ones still keep the rules)."""
    spoilt = draw(st.sets(st.integers(0, 5), max_size=2))
    return [draw(NEAR[index] if index in spoilt else VALID[index]) for index in range(6)]


def _rules_accept(row: list) -> bool:
    try:
        fields.record_fields(row)
    except fields.FieldError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(row=rows(), election_id=st.sampled_from(["val-2027", 'val "2027" {x}', "v\u00e4l"]))
def test_a_record_is_read_exactly_when_every_field_rule_accepts_it_and_hashes_as_the_record_does(row, election_id):
    previous = genesis_hash(election_id, "dev-1")
    for _ in range(2):  # the second time its minute is known, as most minutes are at ingest
        try:
            [read] = bundles.read_records([list(row)], election_id, "dev-1", previous)
        except bundles.BundleError as error:
            assert not _rules_accept(row) and error.status == 400 and str(error).startswith("record 0: ")
            continue
        assert _rules_accept(row)
        sequence, ballot_id, sealed, minute, code_hash, signature = row
        record = BallotRecord(election_id, "dev-1", sequence, ballot_id, sealed, previous, minute, code_hash)
        assert read == (sequence, ballot_id, sealed, minute, code_hash, signature, previous, record.hash)


def test_records_chain_in_order_and_a_ballot_id_or_a_sequence_out_of_place_refuses_the_bundle():
    minute = (datetime(2027, 3, 2, 9) + timedelta(minutes=7)).strftime("%Y-%m-%dT%H:%MZ")
    signature = base64.b64encode(bytes(64)).decode()
    sealed = base64.b64encode(bytes(70)).decode()
    rows = [[number, f"{number:032x}", sealed, minute, None, signature] for number in (4, 5, 6)]
    read = bundles.read_records(rows, "val-2027", "dev-1", "ab" * 32)
    assert [row.previous_hash for row in read] == ["ab" * 32, read[0].record_hash, read[1].record_hash]
    assert read[2].record_hash == BallotRecord("val-2027", "dev-1", 6, rows[2][1], sealed, read[1].record_hash, minute).hash
    twice = [rows[0], [5, rows[0][1], *rows[0][2:]]]
    gap = [rows[0], rows[2]]
    for bad, message in ((twice, "appears twice"), (gap, "sequence 6 does not follow 4")):
        try:
            bundles.read_records(bad, "val-2027", "dev-1", "ab" * 32)
        except bundles.BundleError as error:
            assert message in str(error) and error.status == 422
        else:
            raise AssertionError(f"{message}: accepted")
