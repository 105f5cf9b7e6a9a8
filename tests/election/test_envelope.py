"""Sealing, records, chains and tracking codes, including every kind of tampering."""

from __future__ import annotations

import base64
import dataclasses
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings, strategies as st
from vallokal.election import crockford, envelope, keys
from vallokal.election.envelope import BallotRecord
from vallokal.election.package import canonical_json

CHOICES = {"selected": ["belysning", "utegym"]}


@pytest.fixture(scope="module")
def office() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def seal(office: X25519PrivateKey, choices=CHOICES, election="e1", device="d1", ballot="b1") -> str:
    return envelope.seal(choices, keys.public_text(office), election, device, ballot)


def test_sealed_choices_open_with_the_office_key(office):
    assert envelope.open_sealed(seal(office), office, "e1", "d1", "b1") == CHOICES


def test_sealed_ballot_does_not_open_for_another_election_device_or_ballot(office):
    sealed = seal(office)
    for election, device, ballot in [("e2", "d1", "b1"), ("e1", "d2", "b1"), ("e1", "d1", "b2")]:
        with pytest.raises(envelope.EnvelopeError):
            envelope.open_sealed(sealed, office, election, device, ballot)


def test_sealed_ballot_does_not_open_with_another_key(office):
    with pytest.raises(envelope.EnvelopeError):
        envelope.open_sealed(seal(office), X25519PrivateKey.generate(), "e1", "d1", "b1")


def test_any_changed_byte_of_a_sealed_ballot_fails(office):
    raw = base64.b64decode(seal(office))
    for position in range(len(raw)):
        changed = bytearray(raw)
        changed[position] ^= 0x80
        with pytest.raises(envelope.EnvelopeError):
            envelope.open_sealed(base64.b64encode(bytes(changed)).decode(), office, "e1", "d1", "b1")


def test_sealed_length_does_not_tell_how_many_projects_were_chosen(office):
    short = seal(office, {"selected": ["a"]})
    long = seal(office, {"selected": ["belysning", "utegym", "bankar", "odling"]})
    assert len(short) == len(long)


def test_same_choices_seal_differently_every_time(office):
    assert seal(office) != seal(office)


def chain(device_key: Ed25519PrivateKey, count: int) -> list[envelope.BallotRecord]:
    records = []
    previous = envelope.genesis_hash("e1", "d1")
    for sequence in range(1, count + 1):
        record = envelope.BallotRecord("e1", "d1", sequence, envelope.new_ballot_id(), "c2VhbGVk", previous, "2026-11-22T10:00Z")
        records.append(record)
        previous = record.hash
    return records


def test_records_sign_verify_and_chain():
    device = Ed25519PrivateKey.generate()
    records = chain(device, 5)
    for record in records:
        record.verify(record.sign(device), keys.public_text(device))
    assert envelope.verify_chain(records) == records[-1].hash


def test_any_changed_field_breaks_the_signature():
    device = Ed25519PrivateKey.generate()
    record = chain(device, 1)[0]
    signature = record.sign(device)
    for field, value in [("sequence", 2), ("sealed", "c2VhbGVl"), ("cast_minute", "2026-11-22T10:01Z"), ("election_id", "e2"), ("code_hash", "00" * 32)]:
        with pytest.raises(envelope.EnvelopeError):
            dataclasses.replace(record, **{field: value}).verify(signature, keys.public_text(device))
    with pytest.raises(envelope.EnvelopeError):
        record.verify(signature, keys.public_text(Ed25519PrivateKey.generate()))


def test_reordered_dropped_or_replaced_records_break_the_chain():
    device = Ed25519PrivateKey.generate()
    records = chain(device, 4)
    with pytest.raises(envelope.EnvelopeError):
        envelope.verify_chain([records[0], records[2], records[1], records[3]])
    with pytest.raises(envelope.EnvelopeError):
        envelope.verify_chain([records[0], records[2], records[3]])
    forged = dataclasses.replace(records[1], sealed="b3RoZXI=")
    with pytest.raises(envelope.EnvelopeError):
        envelope.verify_chain([records[0], forged, records[2]])


def test_chain_of_another_election_does_not_start_here():
    device = Ed25519PrivateKey.generate()
    record = dataclasses.replace(chain(device, 1)[0], election_id="e2")
    with pytest.raises(envelope.EnvelopeError):
        envelope.verify_chain([record])


def test_record_body_round_trips_and_rejects_odd_fields():
    record = chain(Ed25519PrivateKey.generate(), 1)[0]
    assert envelope.BallotRecord.from_body(record.body()) == record
    for broken in [{**record.body(), "extra": 1}, {**record.body(), "sequence": "1"}, {**record.body(), "version": 9}, {}]:
        with pytest.raises(envelope.EnvelopeError):
            envelope.BallotRecord.from_body(broken)


def test_tracking_code_is_grouped_checked_and_forgiving_to_type():
    code = envelope.tracking_code("ab" * 32)
    assert len(code) == 14 and code.count("-") == 2
    typed = code.lower().replace("0", "o").replace("-", " ")
    assert crockford.normalize(typed, envelope.TRACKING_SYMBOLS) == code.replace("-", "")


def test_check_symbol_catches_a_single_typo_and_swapped_neighbours():
    code = crockford.make_code(bytes(range(10)), 15).replace("-", "")
    for position in range(len(code) - 1):
        for replacement in "0123456789ABCDEFGHJKMNPQRSTVWXYZ":
            if replacement == code[position]:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(crockford.CodeError):
                crockford.normalize(typo, 15)
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        if swapped != code and position < len(code) - 2:
            with pytest.raises(crockford.CodeError):
                crockford.normalize(swapped, 15)


def test_codes_use_only_symbols_a_person_can_read_aloud():
    for _ in range(300):
        code = envelope.tracking_code(os.urandom(32).hex())
        assert set(code) <= set(crockford.ALPHABET + "-")


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(max_size=40) | st.text(alphabet="0123456789abcdef", min_size=1, max_size=64), min_size=6, max_size=6),
    sequence=st.integers(min_value=1, max_value=2**53 - 1),
    code_hash=st.none() | st.text(max_size=64),
)
def test_a_records_canonical_bytes_written_directly_are_those_of_canonical_json(texts, sequence, code_hash):
    """The record hash's fast path (ingest) gives the very bytes the general canonical JSON gives, escapes or not."""
    election_id, device_id, ballot_id, sealed, previous_hash, minute = texts
    record = BallotRecord(election_id, device_id, sequence, ballot_id, sealed, previous_hash, minute, code_hash)
    assert record.canonical() == canonical_json(record.body(), checked=False)


@settings(max_examples=300, deadline=None)
@given(election=st.text(max_size=12), device=st.text(max_size=12), ballot=st.text(max_size=40))
def test_the_opener_binds_a_ballot_to_the_same_bytes_as_sealing_does(office, election, device, ballot):
    assert envelope.Opener(office, election).associated(device, ballot) == envelope._associated(election, device, ballot)


def test_one_opener_opens_many_ballots_and_refuses_each_one_moved(office):
    opener = envelope.Opener(office, "e1")
    sealed = [seal(office, {"selected": [f"p{number}"]}, ballot=f"b{number}") for number in range(5)]
    assert [opener.open(text, "d1", f"b{number}") for number, text in enumerate(sealed)] == [{"selected": [f"p{number}"]} for number in range(5)]
    with pytest.raises(envelope.EnvelopeError):
        opener.open(sealed[0], "d1", "b1")
    with pytest.raises(envelope.EnvelopeError):
        envelope.Opener(office, "e2").open(sealed[0], "d1", "b0")
