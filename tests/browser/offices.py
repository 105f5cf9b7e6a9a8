"""An office in the middle of a vote, served on loopback, for the browser tests of its pages and paper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import served
from syncing import PASSWORD, Election, bundle_of, cast, now, post_bundle
from vallokal.election import keys, package as packages
from vallokal.kiosk import store as station_store
from vallokal.sync.office import counting, create_app as create_office, prepare as prepare_office, store as office_store


@pytest.fixture
def busy_office(tmp_path, authority_key, make_document, sealing_key) -> Iterator[str]:
    """An office in the middle of a vote: two clerks, three stations (one silent, one revoked), ballots, a published count."""
    office = create_office({"AUTHORITY_KEY": keys.public_text(authority_key), "SESSION_COOKIE_SECURE": False}, data_dir=tmp_path / "office")
    prepare_office(office)
    package_file = packages.build_file(make_document(office_signing_public=keys.public_text(office.extensions["vallokal_office_key"])), authority_key)
    with office.app_context():
        office_store.load_package(package_file)
        office_store.add_user("anna", PASSWORD)
        office_store.add_user("bertil", PASSWORD)
    election = Election(office, package_file, tmp_path, authority_key, make_document)
    library = election.station("Tensta bibliotek")
    cast(library, 7, ("bankar", "odling"))
    assert post_bundle(election, bundle_of(library)).status_code == 200
    meeting_place = election.station("Hjulsta träff och medborgarkontor")
    cast(meeting_place, 3, ("konstgras",))
    assert post_bundle(election, bundle_of(meeting_place)).status_code == 200
    stolen = election.station("Spånga idrottsplats")
    with stolen.app_context():
        device_id = station_store.station().device_id
    with office.app_context():
        office_store.revoke(device_id, "Stulen från idrottsplatsen under natten", now())
    cast(stolen, 1)
    assert post_bundle(election, bundle_of(stolen)).status_code == 403
    with office.app_context():
        counting.publish(counting.run(sealing_key, "test", now()).id, now(), published_by="anna", approved_by="bertil")
    with served(office) as url:
        yield url
    with office.app_context():
        office_store.db.engine.dispose()


def log_in(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", "anna")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    assert not page.url.endswith("/login"), page.content()


