"""Fuzzing the pure core with Hypothesis: whatever comes in, the answer is a result or the module's own error.

Package files and documents, ballots against every rule, sealed envelopes and
records, certificates, Pabulib files and bundles: no other exception escapes,
so the station and the office can turn every refusal into a clear 4xx.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings, strategies as st
from vallokal.election import certificate, envelope, keys, package as packages, rules
from vallokal.election.tally import pabulib
from vallokal.sync import bundle as bundles

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_package_file_are_refused_with_a_package_error(data, authority_key):
    try:
        packages.read_file(data, keys.public_text(authority_key))
    except packages.PackageError:
        pass


@FUZZ
@given(members=st.dictionaries(st.sampled_from(["package.json", "package.sig", "assets/a.png", "../evil", "x"]), st.binary(max_size=200), max_size=4))
def test_any_zip_as_a_package_file_is_refused_with_a_package_error(members, authority_key):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    try:
        packages.read_file(buffer.getvalue(), keys.public_text(authority_key))
    except packages.PackageError:
        pass


@FUZZ
@given(path=st.lists(st.sampled_from(["budget", "ballot", "projects", "voting", "counting", "languages", "check_in", "keys", "title", 0, "cost", "id", "rule"]), min_size=1, max_size=3), value=JSON)
def test_any_change_to_a_valid_document_is_accepted_or_refused_with_a_package_error(path, value, make_document):
    document = copy.deepcopy(make_document())
    target = document
    for step in path[:-1]:
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            return
    try:
        target[path[-1]] = value
    except (TypeError, IndexError):
        return
    try:
        packages.validate_document(document)
    except packages.PackageError:
        pass


@FUZZ
@given(choices=JSON, kind=st.sampled_from(rules.RULE_KINDS))
def test_any_choices_are_read_as_a_ballot_or_refused_with_a_value_error_and_validated_without_crashing(choices, kind):
    rule = rules.BallotRule(kind, 100, {"a": 40, "b": 70}, max_rank=2, points_total=10, points_per_project=6, min_selections=1)
    try:
        ballot = rules.Ballot.from_choices(choices)
    except ValueError:
        return
    problems = rules.validate(rule, ballot)
    assert all(isinstance(problem, rules.Violation) for problem in problems)


@FUZZ
@given(sealed=st.text(max_size=300), ballot_id=st.text(max_size=40))
def test_any_text_as_a_sealed_ballot_is_refused_with_an_envelope_error(sealed, ballot_id, sealing_key):
    try:
        envelope.open_sealed(sealed, sealing_key, "tensta-2026", "dev-1", ballot_id)
    except envelope.EnvelopeError:
        pass


@FUZZ
@given(body=st.dictionaries(st.sampled_from(["version", "election_id", "device_id", "sequence", "ballot_id", "sealed", "previous_hash", "cast_minute", "code_hash", "extra"]), JSON, max_size=10))
def test_any_record_body_is_read_or_refused_with_an_envelope_error(body):
    try:
        envelope.BallotRecord.from_body(body)
    except envelope.EnvelopeError:
        pass


@FUZZ
@given(document=JSON)
def test_any_json_as_an_enrolment_request_or_certificate_is_refused_with_a_certificate_error(document, authority_key):
    for read in (
        lambda: certificate.read_request(document),
        lambda: certificate.read_certificate(document, keys.public_text(authority_key), "tensta-2026", datetime.now(timezone.utc)),
    ):
        try:
            read()
        except certificate.CertificateError:
            pass


PABULIB_LINES = st.lists(
    st.sampled_from(["META", "PROJECTS", "VOTES", "key;value", "budget;100", "budget;x", "vote_type;approval", "vote_type;cumulative",
                     "project_id;cost", "1;50", "2;-3", "a;b;c", "voter_id;vote", "voter_id;vote;points", "v1;1,2", "v2;1", "v2;3;4",
                     "v3;1,1;2,3", '"q;1";"x"', "", "\ufeffMETA"]),
    max_size=14,
)


@FUZZ
@given(lines=PABULIB_LINES, line_end=st.sampled_from(["\n", "\r\n"]))
def test_any_pabulib_like_text_is_read_or_refused_with_a_line_numbered_error(lines, line_end):
    try:
        pabulib.read(line_end.join(lines).encode("utf-8"))
    except pabulib.PabulibError as error:
        assert str(error).startswith("line ") or ":" in str(error)


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_bundle_are_refused_with_a_bundle_error_and_a_4xx(data):
    try:
        bundles.read(data)
    except bundles.BundleError as error:
        assert 400 <= error.status < 500


@FUZZ
@given(document=JSON)
def test_any_json_in_a_bundle_is_refused_with_a_bundle_error_and_a_4xx(document):
    import gzip

    try:
        bundles.read(gzip.compress(json.dumps(document).encode("utf-8")))
    except bundles.BundleError as error:
        assert 400 <= error.status < 500
