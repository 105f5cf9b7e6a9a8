"""The office's staff pages: a password with lock-out, CSRF, and the stations' state."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st
from syncing import PASSWORD, bundle_of, cast, log_in, post_bundle, token
from vallokal.sync.office import create_app, store as office_store


def test_pages_need_a_login_and_the_stations_page_shows_what_arrived(election, staff):
    assert staff.get("/").headers["Location"].endswith("/login")
    station = election.station("Rinkeby bibliotek")
    cast(station, 30)
    post_bundle(election, bundle_of(station, 0, 10))
    post_bundle(election, bundle_of(station, 20, 10))
    assert log_in(staff).status_code == 302
    page = staff.get("/").get_data(as_text=True)
    assert "Rinkeby bibliotek" in page and "11–20" in page and "Mottagna poster: 20" in page


def test_failed_logins_are_limited_per_client_and_never_lock_the_clerk_out(election, staff):
    outsider = election.office.test_client()
    outsider.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    wrong_user = [log_in(outsider, "wrong password!", username="nobody") for _ in range(3)]
    wrong_password = [log_in(outsider, "wrong password!") for _ in range(3)]
    assert {response.status_code for response in wrong_user + wrong_password} == {422}
    assert len({response.get_data(as_text=True).split("csrf_token")[0] for response in wrong_user + wrong_password}) == 1
    for _ in range(4):
        log_in(outsider, "wrong password!")
    assert log_in(outsider, PASSWORD).status_code == 429
    assert log_in(staff).status_code == 302 and staff.get("/").status_code == 200


def test_forms_need_their_csrf_token(staff):
    response = staff.post("/login", data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 400
    log_in(staff)
    assert staff.post("/stations/anything/revoke", data={"reason": "x"}).status_code == 400


def test_staff_revoke_a_device_from_the_stations_page(election, staff):
    station = election.station()
    cast(station, 2)
    post_bundle(election, bundle_of(station))
    log_in(staff)
    with election.office.app_context():
        device_id = office_store.stations()[0]["device"].device_id
    path = f"/stations/{device_id}/revoke"
    assert staff.post(path, data={"csrf_token": token(staff, "/"), "reason": ""}).status_code == 422
    assert staff.post(path, data={"csrf_token": token(staff, "/"), "reason": "lost"}).status_code == 302
    assert "Återkallad" in staff.get("/").get_data(as_text=True)
    cast(station, 1)
    assert post_bundle(election, bundle_of(station, 2)).status_code == 403


def test_session_cookie_is_secure_http_only_and_same_site_by_default(tmp_path):
    office = create_app(data_dir=tmp_path / "office")
    cookie = office.test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_unknown_pages_and_api_paths_answer_without_a_traceback(staff):
    assert staff.get("/nowhere").status_code == 404
    response = staff.get("/api/v1/nowhere")
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_every_state_changing_office_page_needs_its_csrf_token(election, staff):
    log_in(staff)
    routes = sorted(
        re.sub(r"<[^>]+>", "x", re.sub(r"<int:[^>]+>", "1", rule.rule))
        for rule in election.office.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    )
    assert {"/login", "/logout", "/counts", "/paper", "/imports", "/results/language"} <= set(routes)
    for route in routes:
        assert staff.post(route, data={"passphrase": "x", "sheet": "1", "reason": "x", "language": "en"}).status_code == 400, route


def test_debug_mode_cannot_be_switched_on_for_the_office(monkeypatch, tmp_path):
    monkeypatch.setenv("VALLOKAL_DEBUG", "1")
    assert create_app(data_dir=tmp_path / "office-debug").debug is False


OFFICE_FIELDS = ["username", "password", "reason", "passphrase", "sheet", "project", "rank-1", "points-bankar", "source", "language",
                 "second_user", "second_password", "decision", "with_undecided"]
OFFICE_VALUES = st.text(max_size=40) | st.sampled_from(["anna", PASSWORD, "bankar", "odling", "en", "A-1", "-5", "x" * 600])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_office_form_answers_without_a_5xx_and_stores_no_record(election, staff, data):
    routes = sorted(
        re.sub(r"<[^>]+>", "x", re.sub(r"<int:[^>]+>", "1", rule.rule))
        for rule in election.office.url_map.iter_rules() if "POST" in rule.methods and not rule.rule.startswith("/api/")
    )
    if data.draw(st.booleans()):
        log_in(staff)
    route = data.draw(st.sampled_from(routes))
    fields = data.draw(st.dictionaries(st.sampled_from(OFFICE_FIELDS), OFFICE_VALUES | st.lists(OFFICE_VALUES, max_size=3), max_size=5))
    response = staff.post(route, data={"csrf_token": token(staff, "/login"), **fields})
    assert response.status_code < 500, (route, fields, response.status_code)
    assert "Traceback" not in response.get_data(as_text=True)
    assert election.office_records() == []
