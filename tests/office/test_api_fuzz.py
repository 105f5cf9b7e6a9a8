"""Schemathesis over the office's own OpenAPI document: whatever a client sends, never a 5xx, and nothing stored changes.

Bodies are what the document allows (any bytes for a bundle) plus gzip-wrapped
JSON shaped like a bundle, so the fuzzing gets past decompression too.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st
from syncing import BUNDLE_TYPE, bundle_of, cast, post_bundle
from vallokal.sync import office
from vallokal.sync.office import store as office_store
from vallokal.sync.office.models import Record

SCHEMA = schemathesis.openapi.from_path(Path(office.__file__).with_name("openapi.json"))
OPERATIONS = [operation.ok() for operation in SCHEMA.get_all_operations()]


@schemathesis.serializer(BUNDLE_TYPE)
def _bundle_bytes(context, value):
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _stored(election) -> int:
    with election.office.app_context():
        return office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Record))


def _send(client, case):
    return client.open(
        case.formatted_path, method=case.method, query_string=case.query, headers={key: str(value) for key, value in (case.headers or {}).items()},
        data=case.body if isinstance(case.body, (bytes, str)) else None, content_type=case.media_type,
    )


def test_every_operation_of_the_office_api_is_fuzzed_without_a_5xx(election):
    station = election.station()
    cast(station, 3)
    assert post_bundle(election, bundle_of(station)).status_code == 200
    client = election.office.test_client()
    sent = []

    for operation in OPERATIONS:
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def fuzz(case):
            response = _send(client, case)
            sent.append(response.status_code)
            assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.get_data(as_text=True)[:300])

        fuzz()
    assert len(sent) >= 60 and _stored(election) == 3


BUNDLE_LIKE = st.fixed_dictionaries(
    {"body": st.dictionaries(st.sampled_from(["format", "version", "election_id", "device_id", "records", "certificate", "previous_hash", "created", "closing_report"]),
                             st.none() | st.integers() | st.text(max_size=10) | st.lists(st.lists(st.integers() | st.text(max_size=5), max_size=6), max_size=3) | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)),
     "signature": st.text(max_size=10) | st.integers()},
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(document=BUNDLE_LIKE)
def test_bundle_shaped_nonsense_is_refused_with_a_4xx_and_nothing_stored(election, document):
    response = post_bundle(election, gzip.compress(json.dumps(document).encode("utf-8")))
    assert 400 <= response.status_code < 500 and response.is_json
    assert _stored(election) == 0
