"""The staff panel's operations: named tablets started from a phone, pausing, sending, exporting, and a wrong clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import STAFF_PIN, Voter
from vallokal.kiosk import staff as staff_views, store, tablets, voter as voter_views


def logged_in(client) -> Voter:
    person = Voter(client)
    response = person.post("/staff/login", {"pin": STAFF_PIN}, token_from="/staff/login")
    assert response.status_code == 302
    return person


def name_tablet(app, name: str) -> Voter:
    """Staff log in on the tablet itself once and name it; the tablet keeps its cookie."""
    tablet = logged_in(app.test_client())
    response = tablet.post("/staff/tablets/this", {"name": name}, token_from="/staff/")
    assert response.status_code == 302
    tablet.post("/staff/logout", token_from="/staff/")
    return tablet


def test_staff_start_a_vote_on_a_named_tablet_from_their_phone(make_station, make_document):
    app = make_station(make_document(check_in="staff"))
    tablet_one, tablet_two = name_tablet(app, "Surfplatta 1"), name_tablet(app, "Surfplatta 2")
    waiting = tablet_one.client.get("/activate").get_data(as_text=True)
    assert "Den här surfplattan: Surfplatta 1" in waiting and 'data-tablet-state="/tablet/state"' in waiting
    assert tablet_one.client.get("/tablet/state").get_json() == {"activated": False, "named": True}

    phone = logged_in(app.test_client())
    panel = phone.client.get("/staff/").get_data(as_text=True)
    assert "Surfplatta 1" in panel and "Surfplatta 2" in panel and panel.count("Ansluten") == 1
    assert panel.count(">Ja<") == 2
    response = phone.post("/staff/tablets/activate", {"name": "Surfplatta 2"}, token_from="/staff/")
    assert response.status_code == 302
    assert "Röstningen startar på Surfplatta 2" in phone.client.get(response.headers["Location"]).get_data(as_text=True)

    assert tablet_one.client.get("/tablet/state").get_json()["activated"] is False
    assert tablet_two.client.get("/tablet/state").get_json()["activated"] is True
    assert tablet_one.post("/tablet/start", token_from="/activate").headers["Location"].endswith("/")
    started = tablet_two.post("/tablet/start", token_from="/activate")
    assert started.headers["Location"].endswith("/ballot")
    assert tablet_two.choose(project=["bankar"]).status_code == 302
    assert tablet_two.cast().status_code == 302
    tablet_two.post("/done")
    assert tablet_two.client.get("/tablet/state").get_json()["activated"] is False
    assert tablet_two.post("/tablet/start", token_from="/activate").headers["Location"].endswith("/")
    with app.app_context():
        assert store.ballots_cast() == 1
        assert [event.kind for event in store.recent_events(10)].count("tablet_activated") == 1

    stranger = Voter(app.test_client())
    assert stranger.client.get("/tablet/state").get_json() == {"activated": False, "named": False}
    assert phone.post("/staff/tablets/activate", {"name": "Surfplatta 9"}, token_from="/staff/").status_code == 409
    assert phone.post("/staff/tablets/this", {"name": "Surfplatta 1"}, token_from="/staff/").status_code == 422
    assert phone.post("/staff/tablets/forget", {"name": "Surfplatta 1"}, token_from="/staff/").status_code == 302
    assert "Surfplatta 1" not in phone.client.get("/staff/").get_data(as_text=True)


def test_staff_cannot_start_a_vote_that_skips_the_code_or_the_voters_own_check_in(make_station, make_document):
    for document in (make_document(), make_document(check_in="code", code_hashes=["0" * 64])):
        app = make_station(document)
        tablet = name_tablet(app, "Surfplatta 1")
        phone = logged_in(app.test_client())
        refused = phone.post("/staff/tablets/activate", {"name": "Surfplatta 1"}, token_from="/staff/")
        assert refused.status_code == 409 and "startar inte röstningar" in refused.get_data(as_text=True)
        assert tablet.post("/tablet/start", token_from="/").headers["Location"].endswith("/")
        with app.app_context():
            assert store.tablets()[0].activated_at is None


def test_an_activation_is_not_kept_for_ever(make_station, make_document, monkeypatch):
    app = make_station(make_document(check_in="staff"))
    tablet = name_tablet(app, "Surfplatta 1")
    phone = logged_in(app.test_client())
    phone.post("/staff/tablets/activate", {"name": "Surfplatta 1"}, token_from="/staff/")
    later = datetime.now(timezone.utc) + timedelta(minutes=store.ACTIVATION_MINUTES + 1)
    monkeypatch.setattr(tablets, "now", lambda: later)
    assert tablet.post("/tablet/start", token_from="/activate").headers["Location"].endswith("/")


def test_pause_keeps_the_voters_choices_and_resume_lets_them_cast(app, voter):
    phone = logged_in(app.test_client())
    voter.check_in()
    voter.choose(project=["bankar", "odling"])
    assert phone.post("/staff/pause", {"paused": "yes"}, token_from="/staff/").status_code == 302
    assert "Pausad" in phone.client.get("/staff/").get_data(as_text=True)

    refused = voter.cast()
    assert refused.status_code == 409 and "Röstningen är pausad" in refused.get_data(as_text=True)
    newcomer = Voter(app.test_client())
    assert "Röstningen är pausad" in newcomer.client.get("/").get_data(as_text=True)
    assert phone.post("/staff/pause", {"paused": "yes"}, token_from="/staff/").status_code == 409

    assert phone.post("/staff/pause", {"paused": "no"}, token_from="/staff/").status_code == 302
    assert voter.cast().status_code == 302
    with app.app_context():
        assert store.ballots_cast() == 1
        kinds = [event.kind for event in store.recent_events(20)]
        assert "polls_paused" in kinds and "polls_resumed" in kinds


def enrol(app, authority_key) -> None:
    from vallokal.election import certificate as certificates
    from vallokal.kiosk import outbox

    moment = datetime.now(timezone.utc)
    with app.app_context():
        request = certificates.read_request(outbox.enrolment_request())
        outbox.install_certificate(certificates.issue(request, authority_key, moment - timedelta(days=1), moment + timedelta(days=30)))


def test_export_to_a_stick_writes_bundles_only_where_offered(make_station, authority_key, tmp_path: Path):
    stick = tmp_path / "media" / "USB-STICK"
    stick.mkdir(parents=True)
    app = make_station(EXPORT_FOLDERS=[str(stick)], EXPORT_MOUNT_ROOTS=[])
    enrol(app, authority_key)
    Voter(app.test_client()).vote(project=["bankar"])
    phone = logged_in(app.test_client())
    panel = phone.client.get("/staff/").get_data(as_text=True)
    assert str(stick) in panel and "Skicka till kontoret nu" not in panel

    refused = phone.post("/staff/export", {"folder": str(tmp_path)}, token_from="/staff/")
    assert refused.status_code == 422 and not list(tmp_path.glob("vallokal-*"))
    done = phone.post("/staff/export", {"folder": str(stick)}, token_from="/staff/")
    assert done.status_code == 200 and "Lämna stickan till kontoret" in done.get_data(as_text=True)
    written = list(stick.glob("vallokal-*/*.bundle"))
    assert len(written) == 1 and written[0].stat().st_size > 0

    empty = make_station(EXPORT_FOLDERS=[], EXPORT_MOUNT_ROOTS=[str(tmp_path / "nothing")])
    assert "Ingen USB-sticka är ansluten" in logged_in(empty.test_client()).client.get("/staff/").get_data(as_text=True)


def test_sync_now_says_what_happened(make_station):
    offline = make_station()
    phone = logged_in(offline.test_client())
    answer = phone.post("/staff/sync", token_from="/staff/")
    assert answer.status_code == 409 and "ingen kontorsadress" in answer.get_data(as_text=True)
    unreachable = make_station(OFFICE_URL="http://127.0.0.1:9")
    phone = logged_in(unreachable.test_client())
    answer = phone.post("/staff/sync", token_from="/staff/")
    assert answer.status_code == 409 and "Sändningen misslyckades" in answer.get_data(as_text=True)


def test_a_station_with_a_wrong_clock_still_records_and_tells_the_staff(app, monkeypatch):
    Voter(app.test_client()).vote(project=["bankar"])
    year_2000 = datetime(2000, 1, 1, 12, 0, tzinfo=timezone.utc)
    for module in (voter_views, staff_views, tablets):
        monkeypatch.setattr(module, "now", lambda: year_2000)
    Voter(app.test_client()).vote(project=["odling"])
    with app.app_context():
        records = store.records()
        assert [record.cast_minute for record in records][1] == "2000-01-01T12:00Z"
    panel = logged_in(app.test_client()).client.get("/staff/").get_data(as_text=True)
    assert "Enhetens klocka går fel" in panel and "2000-01-01 13:00 CET" in panel  # local time, as staff read it
    with app.app_context():
        assert any(event.kind == "clock_wrong" for event in store.recent_events(10))


@pytest.mark.parametrize("config_name", ["HOST", "PORT"])
def test_the_servers_address_comes_from_station_toml(tmp_path: Path, config_name: str):
    from vallokal.kiosk import create_app

    (tmp_path / "station.toml").write_text('HOST = "0.0.0.0"\nPORT = 8123\n', encoding="utf-8")
    app = create_app(data_dir=tmp_path)
    assert app.config[config_name] == {"HOST": "0.0.0.0", "PORT": 8123}[config_name]


def test_the_idle_times_stay_within_what_voters_need(tmp_path: Path):
    from vallokal.kiosk import create_app

    (tmp_path / "station.toml").write_text("IDLE_SECONDS = 20\nIDLE_WARNING_SECONDS = 5\n", encoding="utf-8")
    app = create_app(data_dir=tmp_path)
    assert (app.config["IDLE_SECONDS"], app.config["IDLE_WARNING_SECONDS"]) == (120, 30)
    (tmp_path / "station.toml").write_text("IDLE_SECONDS = 240\nIDLE_WARNING_SECONDS = 60\n", encoding="utf-8")
    assert (create_app(data_dir=tmp_path).config["IDLE_SECONDS"], create_app(data_dir=tmp_path).config["IDLE_WARNING_SECONDS"]) == (240, 60)


def test_the_voter_can_reset_every_setting_from_the_help_page(app):
    voter = Voter(app.test_client())
    voter.post("/settings", {"language": "ar", "text_size": "largest", "contrast": "dark", "audio_rate": "1.5", "audio_volume": "0.4", "next": "/help"})
    page = voter.client.get("/help").get_data(as_text=True)
    assert 'lang="ar" dir="rtl" class="size-largest contrast-dark" data-audio-rate="1.5" data-audio-volume="0.4"' in page
    assert voter.post("/settings", {"reset": "display", "next": "/help"}, token_from="/help").headers["Location"] == "/help"
    page = voter.client.get("/help").get_data(as_text=True)
    assert 'lang="sv" dir="ltr" class="size-normal contrast-default" data-audio-rate="1" data-audio-volume="1"' in page
    assert voter.post("/settings", {"audio_rate": "3"}).status_code == 400
