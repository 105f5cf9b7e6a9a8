"""The station's doors: CSRF on every state-changing request, strict headers on every page, no debug mode, no secrets in logs."""

from __future__ import annotations

import logging
import re

from helpers import STAFF_PIN, Voter
from vallokal.kiosk import create_app

CONTENT_SECURITY = re.compile(r"default-src 'none'.*frame-ancestors 'none'")


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            yield rule.rule.replace("<project_id>", "bankar").replace("<name>", "x")


def test_every_state_changing_request_needs_its_csrf_token(app, voter):
    voter.vote(project=["bankar"])
    routes = sorted(_post_routes(app))
    assert len(routes) >= 10
    for route in routes:
        response = voter.client.post(route, data={"pin": STAFF_PIN, "confirm": "yes", "project": "bankar", "language": "en"})
        assert response.status_code == 400, route


def test_every_page_carries_the_strict_headers(voter):
    voter.vote(project=["bankar"])
    for path in ("/", "/start", "/ballot", "/review", "/receipt", "/staff/", "/healthz", "/no-such-page"):
        headers = voter.client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert CONTENT_SECURITY.search(policy) and "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert headers["Referrer-Policy"] == "no-referrer" and headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Cache-Control"] == "no-store", path


def test_debug_mode_cannot_be_switched_on_from_the_environment(make_station, monkeypatch, tmp_path):
    monkeypatch.setenv("VALLOKAL_DEBUG", "true")
    station = create_app({"AUTHORITY_KEY": "x"}, data_dir=tmp_path / "debug")
    assert station.debug is False


def test_no_pin_passphrase_or_choice_reaches_the_log(app, voter, caplog):
    caplog.set_level(logging.DEBUG)
    voter.vote(project=["lekplats", "odling"])
    voter.post("/staff/login", {"pin": "000000"}, token_from="/staff/login")
    voter.post("/staff/login", {"pin": STAFF_PIN}, token_from="/staff/login")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert STAFF_PIN not in logged and "000000" not in logged
    assert "lekplats" not in logged and "odling" not in logged


def test_a_receipt_reveals_nothing_of_the_vote(app, voter):
    """Two receipts for very different ballots differ only in the tracking code and its QR code."""
    other = Voter(app.test_client())
    first_code = voter.vote(project=["lekplats", "odling"])
    second_code = other.vote(project=["bankar"])

    def without_code(client, code):
        page = client.get("/receipt").get_data(as_text=True)
        page = re.sub(r"<svg.*?</svg>", "", page, flags=re.S).replace(code, "CODE").replace(" ".join(code), "CODE")
        return re.sub(r'name="csrf_token" value="[^"]+"', "", re.sub(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", "CODE", page))

    assert without_code(voter.client, first_code) == without_code(other.client, second_code)


def test_the_next_voter_finds_nothing_of_the_last_one(app, voter, tmp_path):
    """No form offers autofill, no page may be cached, and after Finish the pages of the vote lead back to the start."""
    pages = {"/": voter.client.get("/")}
    voter.check_in()
    pages["/ballot"] = voter.client.get("/ballot")
    voter.choose(project=["lekplats"])
    pages["/review"] = voter.client.get("/review")
    voter.cast()
    pages["/receipt"] = voter.client.get("/receipt")
    for path, response in pages.items():
        html = response.get_data(as_text=True)
        forms = re.findall(r"<form\b[^>]*>", html)
        assert forms and all('autocomplete="off"' in form for form in forms), path
        assert response.headers["Cache-Control"] == "no-store", path
    voter.post("/done", token_from="/receipt")
    for path in ("/ballot", "/review", "/receipt"):
        after = voter.client.get(path)
        assert after.status_code == 302 and "lekplats" not in after.get_data(as_text=True), path

