"""The staff panel: PIN with lock-out, opening and closing the polls with reports."""

from __future__ import annotations

import re

from helpers import STAFF_PIN, Voter


def staff_login(voter: Voter, pin: str = STAFF_PIN):
    return voter.post("/staff/login", {"pin": pin}, token_from="/staff/login")


def test_staff_pages_need_the_pin(voter):
    assert voter.client.get("/staff/").headers["Location"].endswith("/staff/login")
    assert staff_login(voter).headers["Location"].endswith("/staff/")
    page = voter.client.get("/staff/").get_data(as_text=True)
    assert "Testbiblioteket" in page and "tensta-2026" in page


def test_repeated_wrong_pins_lock_even_the_right_one(voter):
    for attempt in range(4):
        response = staff_login(voter, "1111")
        assert response.status_code == 422
        assert f"{4 - attempt} försök kvar" in response.get_data(as_text=True)
    locked = staff_login(voter, "1111")
    assert locked.status_code == 429 and "låst" in locked.get_data(as_text=True)
    assert staff_login(voter).status_code == 429


def test_closing_report_names_the_count_and_chain_head(app, voter):
    voter.vote(project=["bankar"])
    voter.post("/done", token_from="/receipt")
    staff_login(voter)
    refused = voter.post("/staff/close", token_from="/staff/")
    assert refused.status_code == 422
    response = voter.post("/staff/close", {"confirm": "yes"}, token_from="/staff/")
    assert response.headers["Location"].endswith("/staff/report/closed")
    report = voter.client.get("/staff/report/closed").get_data(as_text=True)
    assert re.search(r'id="report-ballots">1<', report)
    from vallokal.kiosk import store

    with app.app_context():
        head = store.chain_head()
        package_hash = store.current_package().hash
    printed = report.replace("<wbr>", "")  # hashes may wrap between groups of eight
    assert head in printed and package_hash in printed and "<svg" in report
    assert voter.client.get("/healthz").get_json()["polls"] == "closed"


def test_zero_report_when_the_polls_open(make_station):
    app = make_station(open_polls=False)
    voter = Voter(app.test_client())
    staff_login(voter)
    response = voter.post("/staff/open", token_from="/staff/")
    assert response.headers["Location"].endswith("/staff/report/opened")
    report = voter.client.get("/staff/report/opened").get_data(as_text=True)
    assert "Nollrapport" in report and re.search(r'id="report-ballots">0<', report) and "tom" in report
    again = voter.post("/staff/open", token_from="/staff/")
    assert again.status_code == 409


def test_staff_logout_ends_the_staff_session(voter):
    staff_login(voter)
    voter.post("/staff/logout", token_from="/staff/")
    assert voter.client.get("/staff/").status_code == 302


def test_zero_and_closing_reports_stay_one_tap_away_under_one_name_each(make_station):
    app = make_station(open_polls=False)
    voter = Voter(app.test_client())
    staff_login(voter)
    voter.post("/staff/open", token_from="/staff/")
    voter.vote(project=["bankar"])
    voter.post("/done", token_from="/receipt")
    staff_login(voter)
    panel = voter.client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/report/zero">Nollrapport<' in panel
    zero = voter.client.get("/staff/report/zero").get_data(as_text=True)
    assert "<h1>Nollrapport</h1>" in zero and re.search(r'id="report-ballots">0<', zero)

    voter.post("/staff/close", {"confirm": "yes"}, token_from="/staff/")
    panel = voter.client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/report/closed">Slutrapport<' in panel and 'href="/staff/report/zero">Nollrapport<' in panel
    assert "Stängningsrapport" not in panel
    closing = voter.client.get("/staff/report/closed").get_data(as_text=True)
    assert "<h1>Slutrapport</h1>" in closing


def test_reopening_closed_polls_asks_for_the_same_confirmation_as_closing(make_station):
    app = make_station(open_polls=False)
    voter = Voter(app.test_client())
    staff_login(voter)
    voter.post("/staff/open", token_from="/staff/")
    voter.vote(project=["bankar"])
    voter.post("/done", token_from="/receipt")
    staff_login(voter)
    voter.post("/staff/close", {"confirm": "yes"}, token_from="/staff/")

    panel = voter.client.get("/staff/").get_data(as_text=True)
    assert 'id="confirm-reopen"' in panel
    refused = voter.post("/staff/open", token_from="/staff/")
    assert refused.status_code == 422 and "öppna röstningen igen" in refused.get_data(as_text=True)
    assert voter.client.get("/healthz").get_json()["polls"] == "closed"
    reopened = voter.post("/staff/open", {"confirm": "yes"}, token_from="/staff/")
    assert reopened.headers["Location"].endswith("/staff/report/opened")
    report = voter.client.get("/staff/report/opened").get_data(as_text=True)
    assert "<h1>Rapport vid återöppning</h1>" in report and re.search(r'id="report-ballots">1<', report)
    zero = voter.client.get("/staff/report/zero").get_data(as_text=True)
    assert "<h1>Nollrapport</h1>" in zero
