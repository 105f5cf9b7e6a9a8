"""Attacks from another device on the site's shared network, as issue 13 tried them against the station."""

from __future__ import annotations

import base64
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from helpers import CSRF_FIELD, STAFF_PIN, VALLOKAL, Voter
from vallokal.kiosk import sessions, store

SESSION_COOKIE = "vallokal_station"


def lan_client(app, address: str):
    """A test client that arrives from another device on the network, as the TLS terminator forwards it."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def pair(app, client) -> None:
    with app.app_context():
        token = store.issue_pairing_code(datetime.now(timezone.utc))
    page = client.get(f"/pair/{token}")
    assert page.status_code == 200
    csrf = CSRF_FIELD.search(page.get_data(as_text=True)).group(1)
    response = client.post(f"/pair/{token}", data={"csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")


def paired_voter(app, address: str) -> Voter:
    client = lan_client(app, address)
    pair(app, client)
    return Voter(client)


def ballots(app) -> int:
    with app.app_context():
        return store.ballots_cast()


# 1. Ballots read on the wire / a copied voter cookie --------------------------


def test_the_voter_cookie_holds_only_a_random_id(app):
    voter = paired_voter(app, "192.0.2.10")
    voter.check_in()
    voter.choose(project=["bankar"], action="update")
    value = voter.client.get_cookie(SESSION_COOKIE).value
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,64}", value), value
    decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert b"bankar" not in decoded and b"voter" not in decoded and b"choices" not in decoded


def test_a_copied_voter_cookie_gets_nothing_on_another_client(app):
    owner = paired_voter(app, "192.0.2.10")
    thief = paired_voter(app, "192.0.2.11")
    stranger = Voter(lan_client(app, "192.0.2.12"))
    owner.check_in()
    assert owner.choose(project=["bankar"]).status_code == 302
    stolen = owner.client.get_cookie(SESSION_COOKIE).value
    for other in (thief, stranger):
        other.client.set_cookie(SESSION_COOKIE, stolen)
        review = other.client.get("/review")
        assert review.status_code in (302, 403)
        assert "bankar" not in review.get_data(as_text=True)
        other.client.set_cookie(SESSION_COOKIE, stolen)
        other.post("/cast", token_from="/")
    assert ballots(app) == 0
    assert owner.cast().status_code == 302
    assert ballots(app) == 1


# 2. Ballot stuffing from an unpaired device ---------------------------------


def test_an_unpaired_device_gets_a_page_that_says_to_ask_staff(app):
    client = lan_client(app, "192.0.2.20")
    page = client.get("/")
    assert page.status_code == 403
    assert "Fråga personalen" in page.get_data(as_text=True)  # "Please ask the staff", in the default Swedish
    voter = Voter(client)
    for _ in range(5):
        assert voter.post("/start").status_code == 403
        assert voter.post("/eligibility", {"confirm": "yes"}).status_code == 403
        assert voter.post("/cast").status_code == 403
    assert ballots(app) == 0


def test_a_paired_tablet_votes_and_staff_can_unpair_it(app):
    voter = paired_voter(app, "192.0.2.21")
    assert voter.client.get("/").status_code == 200
    voter.vote(project=["bankar"])
    with app.app_context():
        [tablet] = store.tablets()
        store.forget_tablet(tablet.name)
    assert voter.client.get("/").status_code == 403


def test_a_pairing_link_works_once_within_ten_minutes_and_a_get_does_not_use_it(app):
    with app.app_context():
        token = store.issue_pairing_code(datetime.now(timezone.utc))
        old = store.issue_pairing_code(datetime.now(timezone.utc) - timedelta(minutes=11))
    first, second = lan_client(app, "192.0.2.30"), lan_client(app, "192.0.2.31")
    assert first.get(f"/pair/{token}").status_code == 200
    assert first.get(f"/pair/{token}").status_code == 200  # a prefetcher's GET leaves it usable
    pair_with = lambda client, value: client.post(f"/pair/{value}", data={"csrf_token": CSRF_FIELD.search(client.get("/staff/login").get_data(as_text=True)).group(1)})
    assert pair_with(first, token).status_code == 302
    assert pair_with(second, token).status_code == 404
    assert second.get("/").status_code == 403
    assert pair_with(second, old).status_code == 404
    assert first.get("/").status_code == 200


def test_station_pair_prints_a_one_time_url_without_a_server(app):
    result = subprocess.run([*VALLOKAL, "station", "pair", "--data", app.instance_path], capture_output=True, text=True, check=True)
    [line] = result.stdout.strip().splitlines()
    match = re.fullmatch(r"http://127\.0\.0\.1:8080/pair/([A-Za-z0-9_-]+)", line)
    assert match, line
    client = lan_client(app, "192.0.2.32")
    assert client.get(f"/pair/{match.group(1)}").status_code == 200


def test_the_station_refuses_a_host_it_is_not_named(app):
    client = app.test_client()
    assert client.get("/", headers={"Host": "rebind.attacker.example"}).status_code == 400
    assert client.get("/", headers={"Host": "127.0.0.1:8080"}).status_code == 200


# 3. Staff credentials outlive logout ----------------------------------------


def staff_login(client) -> None:
    page = client.get("/staff/login")
    csrf = CSRF_FIELD.search(page.get_data(as_text=True)).group(1)
    response = client.post("/staff/login", data={"csrf_token": csrf, "pin": STAFF_PIN})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")


def test_a_staff_cookie_copied_before_logout_gets_403_after(app):
    phone = lan_client(app, "192.0.2.40")
    staff_login(phone)
    copied = {name: phone.get_cookie(name).value for name in (sessions.STAFF_COOKIE, SESSION_COOKIE) if phone.get_cookie(name)}
    assert phone.get("/staff/").status_code == 200
    csrf = CSRF_FIELD.search(phone.get("/staff/").get_data(as_text=True)).group(1)
    phone.post("/staff/logout", data={"csrf_token": csrf})
    assert phone.get("/staff/").status_code == 302
    replay = lan_client(app, "192.0.2.40")
    for name, value in copied.items():
        replay.set_cookie(name, value)
    assert replay.get("/staff/").status_code == 403
    csrf = CSRF_FIELD.search(replay.get("/staff/login").get_data(as_text=True)).group(1)
    assert replay.post("/staff/pause", data={"csrf_token": csrf, "paused": "yes"}).status_code == 403
    with app.app_context():
        assert not store.station().paused


def test_staff_and_voter_sessions_are_separate(app):
    phone = lan_client(app, "192.0.2.41")
    staff_login(phone)
    assert phone.get_cookie(sessions.STAFF_COOKIE) is not None
    voter_cookie = phone.get_cookie(SESSION_COOKIE)
    assert voter_cookie is None or voter_cookie.value != phone.get_cookie(sessions.STAFF_COOKIE).value


# 6. Sessions that never end --------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Move the sessions' clock forward by `clock[0]` seconds."""
    import time as real_time
    from types import SimpleNamespace

    offset = [0.0]
    monkeypatch.setattr(sessions, "time", SimpleNamespace(time=lambda: real_time.time() + offset[0]))
    return offset


def test_a_voter_session_left_at_review_ends_on_the_server_after_the_idle_time(app, clock):
    voter = paired_voter(app, "192.0.2.50")
    voter.check_in()
    assert voter.choose(project=["bankar"]).status_code == 302
    csrf = voter.token("/review")
    clock[0] = 12 * 60
    response = voter.client.post("/cast", data={"csrf_token": csrf})
    assert response.status_code == 302 and not response.headers["Location"].endswith("/receipt")
    assert ballots(app) == 0
    assert voter.client.get("/review").status_code == 302


def test_a_voter_session_in_use_does_not_end(app, clock):
    voter = paired_voter(app, "192.0.2.51")
    voter.check_in()
    for minute in range(1, 6):
        clock[0] = minute * 60
        assert voter.client.get("/ballot").status_code == 200
    assert voter.choose(project=["bankar"]).status_code == 302
    assert voter.cast().status_code == 302
    assert ballots(app) == 1


def test_nothing_of_one_voter_reaches_the_next(app):
    voter = paired_voter(app, "192.0.2.52")
    voter.post("/settings", {"language": "en", "text_size": "largest", "next": "/"})
    receipt = voter.vote(project=["bankar"])
    assert voter.client.get("/receipt").status_code == 200
    voter.post("/done", token_from="/receipt")
    page = voter.client.get("/").get_data(as_text=True)
    assert 'lang="sv"' in page and "size-normal" in page and "size-largest" not in page
    response = voter.client.get("/receipt")
    assert response.status_code == 302 and receipt not in response.get_data(as_text=True)


def test_the_receipt_ends_on_the_server_after_its_time(app, clock):
    voter = paired_voter(app, "192.0.2.53")
    receipt = voter.vote(project=["bankar"])
    clock[0] = app.config["RECEIPT_SECONDS"] + 60
    response = voter.client.get("/receipt")
    assert response.status_code == 302 and receipt not in response.get_data(as_text=True)


# 7. Timing links in the event log -------------------------------------------


def test_the_event_log_holds_no_cast_finer_than_the_records(app, voter):
    voter.vote(project=["bankar"])
    voter.client.post("/done", data={"csrf_token": voter.token("/receipt")})
    Voter(app.test_client()).vote(project=["bankar"])
    with app.app_context():
        for event in store.recent_events(100):
            assert "cast" not in event.kind or (event.at.second == 0 and event.at.microsecond == 0), (event.kind, event.at)


# 8. Redirects -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["/\t/attacker.example/", "//attacker.example/", "/\\attacker.example", "https://attacker.example/", "/\r\n/x", "/\n"])
def test_next_accepts_only_a_path_on_the_station(app, voter, target):
    response = voter.post("/settings", {"language": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with app.app_context():
        assert not [event for event in store.recent_events() if event.kind == "error"]


def test_next_keeps_a_path_on_the_station(voter):
    response = voter.post("/settings", {"language": "en", "next": "/help"})
    assert response.headers["Location"] == "/help"


# 5. Staff locked out by anyone -------------------------------------------------


def staff_attempt(client, pin: str):
    csrf = CSRF_FIELD.search(client.get("/staff/login").get_data(as_text=True)).group(1)
    return client.post("/staff/login", data={"csrf_token": csrf, "pin": pin})


def test_wrong_pins_from_another_device_never_lock_the_staff_phone(app):
    attacker = lan_client(app, "192.0.2.60")
    for _ in range(12):
        assert staff_attempt(attacker, "00000000").status_code in (422, 429)
    assert staff_attempt(attacker, STAFF_PIN).status_code == 429
    phone = lan_client(app, "192.0.2.61")
    assert staff_attempt(phone, STAFF_PIN).status_code == 302


def test_wrong_pins_at_a_tablet_never_lock_staff_login(make_station, make_document):
    app = make_station(make_document(check_in="staff"))
    tablet = paired_voter(app, "192.0.2.62")
    for _ in range(6):
        assert tablet.check_in(pin="00000000").status_code in (422, 429)
    assert tablet.check_in(pin=STAFF_PIN).status_code == 429
    assert staff_attempt(tablet.client, STAFF_PIN).status_code == 302
    assert staff_attempt(lan_client(app, "192.0.2.63"), STAFF_PIN).status_code == 302


def test_pin_failures_decay_with_time(app, monkeypatch):
    import time as real_time

    attacker = lan_client(app, "192.0.2.64")
    for _ in range(5):
        staff_attempt(attacker, "00000000")
    assert staff_attempt(attacker, STAFF_PIN).status_code == 429
    later = real_time.time() + 16 * 60
    monkeypatch.setattr(real_time, "time", lambda: later)
    assert staff_attempt(attacker, STAFF_PIN).status_code == 302


def test_a_client_gets_thirty_pin_forms_in_fifteen_minutes_right_or_wrong(app):
    searcher = lan_client(app, "192.0.2.65")
    for _ in range(6):
        for _ in range(4):
            assert staff_attempt(searcher, "00000000").status_code == 422
        assert staff_attempt(searcher, STAFF_PIN).status_code == 302
    assert staff_attempt(searcher, STAFF_PIN).status_code == 429
    assert staff_attempt(lan_client(app, "192.0.2.66"), STAFF_PIN).status_code == 302


def test_a_pin_is_at_least_eight_digits(app):
    with app.app_context():
        with pytest.raises(ValueError):
            store.set_pin("1234567")
        store.set_pin("12345678")


# 4. The secret key mints everything: the record's code hash is checked at the cast -----


def test_the_station_refuses_a_record_with_a_code_hash_the_package_lacks(make_station, make_document, app):
    from vallokal.election import rules

    code_app = make_station(make_document(check_in="code", code_hashes=["a" * 64]))
    ballot = rules.Ballot(selected=("bankar",))
    for station, code_hash in ((code_app, None), (code_app, "b" * 64), (code_app, "garbage"), (app, "a" * 64)):
        with station.test_request_context():
            with pytest.raises(store.StationError, match="code_invalid"):
                store.cast("token", ballot, code_hash, station.extensions["vallokal_device_key"], datetime.now(timezone.utc))
            assert store.ballots_cast() == 0


def test_staff_pair_a_tablet_from_the_panel_with_a_one_time_code(app):
    phone = lan_client(app, "192.0.2.70")
    staff_login(phone)
    csrf = CSRF_FIELD.search(phone.get("/staff/").get_data(as_text=True)).group(1)
    page = phone.post("/staff/tablets/pair", data={"csrf_token": csrf, "name": "Tablet vid entrén"}).get_data(as_text=True)
    url = re.search(r"<code>(http://[^<]+/pair/[A-Za-z0-9_-]+)</code>", page).group(1)
    assert "<svg" in page
    tablet = lan_client(app, "192.0.2.71")
    path = url.split("localhost", 1)[1]
    csrf = CSRF_FIELD.search(tablet.get(path).get_data(as_text=True)).group(1)
    assert tablet.post(path, data={"csrf_token": csrf}).status_code == 302
    assert tablet.get("/").status_code == 200
    with app.app_context():
        assert [tablet.name for tablet in store.tablets()] == ["Tablet vid entrén"]


def test_more_time_on_the_idle_warning_keeps_the_session_on_the_server(app, clock):
    voter = paired_voter(app, "192.0.2.72")
    voter.check_in()
    csrf = voter.token("/ballot")
    for minute in (3, 6, 9):
        clock[0] = minute * 60
        assert voter.client.get("/still-here").status_code == 204
    clock[0] = 10 * 60
    assert voter.client.post("/ballot", data={"csrf_token": csrf, "project": ["bankar"]}).headers["Location"].endswith("/review")


def test_the_demo_prints_a_fresh_pairing_url_that_lets_its_browser_vote(tmp_path):
    from vallokal.kiosk import create_app

    lines = []
    for _ in range(2):
        result = subprocess.run([*VALLOKAL, "demo", "--data", str(tmp_path / "demo"), "--no-serve", "--no-speech"],
                                capture_output=True, text=True, check=True)
        lines.append(next(line for line in result.stdout.splitlines() if "Pair a tablet" in line))
        assert "PIN " in result.stdout
    urls = [re.search(r"http://127\.0\.0\.1:8080/pair/[A-Za-z0-9_-]+", line).group(0) for line in lines]
    assert urls[0] != urls[1]
    app = create_app(data_dir=tmp_path / "demo" / "station")
    browser = lan_client(app, "192.0.2.80")
    path = urls[1].split("8080", 1)[1]
    csrf = CSRF_FIELD.search(browser.get(path).get_data(as_text=True)).group(1)
    assert browser.post(path, data={"csrf_token": csrf}).status_code == 302
    Voter(browser).vote(project=["bankar"])
    with app.app_context():
        assert store.ballots_cast() == 1


def test_after_a_restart_the_same_tablet_still_finds_its_receipt_and_no_other_does(app):
    from vallokal.kiosk import create_app

    voter = paired_voter(app, "192.0.2.90")
    voter.check_in()
    voter.choose(project=["bankar"])
    assert voter.cast().headers["Location"].endswith("/receipt")
    with app.app_context():
        [record] = store.records()
    from vallokal.election import envelope

    expected = envelope.tracking_code(record.hash)
    cookies = {name: voter.client.get_cookie(name).value for name in (SESSION_COOKIE, "vallokal_tablet")}
    restarted = create_app({"AUTHORITY_KEY": app.config["AUTHORITY_KEY"]}, data_dir=app.instance_path)
    same_tablet, other = lan_client(restarted, "192.0.2.90"), lan_client(restarted, "192.0.2.91")
    for client in (same_tablet, other):
        for name, value in cookies.items():
            client.set_cookie(name, value)
    assert expected in same_tablet.get("/receipt").get_data(as_text=True)
    other.delete_cookie("vallokal_tablet")
    pair(restarted, other)
    other.set_cookie(SESSION_COOKIE, cookies[SESSION_COOKIE])
    response = other.get("/receipt")
    assert response.status_code == 302 and expected not in response.get_data(as_text=True)
