"""Bad input gets a clear message and a 4xx, and nothing stored is touched."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from vallokal.election import package as packages
from vallokal.kiosk import store


def ballots(app) -> int:
    with app.app_context():
        return store.ballots_cast()


def test_form_without_csrf_token_is_refused(app, voter):
    response = voter.client.post("/start")
    assert response.status_code == 400
    assert "skickades två gånger" in response.get_data(as_text=True)


def test_forged_csrf_token_is_refused(app, voter):
    voter.check_in()
    response = voter.client.post("/cast", data={"csrf_token": "forged"})
    assert response.status_code == 400 and ballots(app) == 0


def test_unknown_project_id_is_refused_with_a_message(app, voter):
    voter.check_in()
    response = voter.choose(project=["bankar", "'; DROP TABLE ballot_record; --"])
    assert response.status_code == 422
    assert "inte finns i den här omröstningen" in response.get_data(as_text=True)
    assert voter.client.get("/review").status_code == 302


@pytest.mark.parametrize(
    "fields",
    [
        {"language": "xx"},
        {"text_size": "gigantic"},
        {"contrast": "neon"},
    ],
)
def test_unknown_display_settings_are_refused(voter, fields):
    response = voter.post("/settings", fields)
    assert response.status_code == 400
    assert "Något är fel" in response.get_data(as_text=True)


def test_settings_never_redirect_off_the_station(voter):
    response = voter.post("/settings", {"language": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_ballot_without_check_in_leads_to_the_start(voter):
    assert voter.client.get("/ballot").headers["Location"] == "/"
    response = voter.post("/ballot", {"project": "bankar"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_cast_without_check_in_stores_nothing(app, voter):
    response = voter.post("/cast")
    assert response.status_code == 302 and ballots(app) == 0


def test_voting_is_refused_while_the_polls_are_closed(make_station):
    from helpers import Voter

    app = make_station(open_polls=False)
    voter = Voter(app.test_client())
    assert "stängd vid den här stationen" in voter.client.get("/").get_data(as_text=True)
    response = voter.post("/start")
    assert response.status_code == 403 and "stängd" in response.get_data(as_text=True)


def test_polls_closed_between_review_and_cast_stores_nothing(app, voter):
    voter.check_in()
    voter.choose(project=["bankar"])
    with app.app_context():
        store.close_polls(datetime.now(timezone.utc))
    response = voter.cast()
    assert response.status_code == 403 and "stängd" in response.get_data(as_text=True)
    assert ballots(app) == 0


def test_voting_is_refused_before_the_window_opens(make_station, make_document):
    from helpers import Voter

    document = make_document()
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    document["voting"]["opens"] = tomorrow.isoformat()
    app = make_station(document)
    response = Voter(app.test_client()).post("/start")
    assert response.status_code == 403 and "inte börjat" in response.get_data(as_text=True)


def test_oversized_form_is_refused(voter):
    response = voter.post("/ballot", {"project": "x" * 70_000})
    assert response.status_code == 413


def test_wrong_methods_and_unknown_pages_get_pages_not_tracebacks(voter):
    assert voter.client.get("/cast").status_code == 405
    missing = voter.client.get("/no-such-page")
    assert missing.status_code == 404 and "Sidan finns inte" in missing.get_data(as_text=True)
    assert voter.client.get("/assets/../../etc/passwd").status_code == 404


def test_package_with_a_bad_signature_or_field_is_refused_and_keeps_the_old_one(app, make_document, authority_key):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    now = datetime.now(timezone.utc)
    with app.app_context():
        before = store.current_package().hash
        with pytest.raises(packages.PackageError, match="signed"):
            store.load_package(packages.build_file(make_document(), Ed25519PrivateKey.generate()), now)
        document = make_document()
        document["budget"] = "a lot"
        data = packages.build_file(make_document(), authority_key)
        with pytest.raises(packages.PackageError):
            store.load_package(data[:-40], now)
        with pytest.raises(packages.PackageError, match=r"\$\.budget"):
            packages.validate_document(document)
        assert store.current_package().hash == before


def test_another_package_is_refused_once_ballots_are_cast(app, voter, make_document, authority_key):
    voter.vote(project=["bankar"])
    other = packages.build_file(make_document(election_id="another-2026"), authority_key)
    with app.app_context(), pytest.raises(packages.PackageError, match="already cast"):
        store.load_package(other, datetime.now(timezone.utc))
    assert ballots(app) == 1


def test_an_unexpected_failure_shows_a_page_and_is_logged_for_staff(app, voter, monkeypatch):
    voter.check_in()
    voter.choose(project=["bankar"])

    def broken(*arguments, **options):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "cast", broken)
    response = voter.cast()
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Fråga personalen" in page and "disk on fire" not in page and "Traceback" not in page
    with app.app_context():
        errors = [event.detail for event in store.recent_events() if event.kind == "error"]
    assert errors == ['{"error": "RuntimeError"}']
