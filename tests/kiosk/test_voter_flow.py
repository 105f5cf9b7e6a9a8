"""A resident votes from welcome to receipt, under every rule and every check-in mode."""

from __future__ import annotations

import hashlib
import os

import pytest
from vallokal.election import crockford, envelope
from vallokal.kiosk import store


def stored_tracking_codes(app) -> list[str]:
    with app.app_context():
        return [envelope.tracking_code(record.hash) for record in store.records()]


def test_knapsack_vote_from_welcome_to_receipt(app, voter):
    welcome = voter.client.get("/")
    assert "Välkommen till omröstningen" in welcome.get_data(as_text=True)
    code = voter.vote(project=["belysning", "utegym", "bankar"])
    assert stored_tracking_codes(app) == [code]
    receipt = voter.client.get("/receipt").get_data(as_text=True)
    assert "Din röst är sparad" in receipt and "<svg" in receipt


def test_ballot_page_shows_budget_spent_and_left(voter):
    voter.check_in()
    page = voter.choose(project=["belysning", "konstgras"], action="update").get_data(as_text=True)
    assert "Använt: 600\xa0000 kr" in page and "Kvar: 400\xa0000 kr" in page
    assert 'class="budget-fill" x="0" y="0" height="24" width="600"' in page and "budget-under" in page


def test_over_budget_shows_the_reason_and_keeps_the_choices(voter):
    voter.check_in()
    response = voter.choose(project=["konstgras", "lekplats", "utegym", "belysning"])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "160\xa0000 kr mer än budgeten" in page
    assert 'class="tally-status budget-over over"' in page, "the refused ballot's budget box is styled as over"

    for project in ["konstgras", "lekplats", "utegym", "belysning"]:
        assert f'value="{project}" id="choose-{project}" data-cost' in page
        assert f'id="choose-{project}" data-cost="' in page
    assert page.count(" checked") == 4


def test_review_lets_every_choice_be_changed_and_flags_money_left(voter):
    voter.check_in()
    voter.choose(project=["bankar", "sommarbio"])
    page = voter.client.get("/review").get_data(as_text=True)
    assert page.count("/ballot#project-") == 2
    assert "Du har 895\xa0000 kr kvar" in page


def test_english_voter_sees_english(voter):
    voter.post("/settings", {"language": "en", "next": "/"})
    page = voter.client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page and "Welcome to the vote" in page and "Citizens&#39; budget Tensta 2026" in page


def test_approval_vote_counts_what_is_left(make_station, make_document):
    from helpers import Voter

    app = make_station(make_document(rule={"rule": "approval", "min_selections": 1, "max_selections": 3}))
    voter = Voter(app.test_client())
    voter.check_in()
    page = voter.choose(project=["bankar"], action="update").get_data(as_text=True)
    assert "Valda: 1" in page and "Du kan välja 2 till" in page
    assert voter.choose(project=["bankar", "odling", "utegym", "skugga"]).status_code == 422
    assert voter.choose(project=["bankar", "odling"]).status_code == 302
    assert voter.cast().status_code == 302
    assert stored_tracking_codes(app) == [voter.receipt_code()]


def test_ranking_vote(make_station, make_document):
    from helpers import Voter

    app = make_station(make_document(rule={"rule": "ranking", "max_rank": 3}))
    voter = Voter(app.test_client())
    voter.check_in()
    assert voter.choose(**{"rank-1": "utegym", "rank-2": "utegym"}).status_code == 422
    assert voter.choose(**{"rank-1": "utegym", "rank-2": "", "rank-3": "bankar"}).status_code == 302
    review = voter.client.get("/review").get_data(as_text=True)
    assert review.index("Utegym") < review.index("Fler bänkar")
    assert voter.cast().status_code == 302
    assert len(stored_tracking_codes(app)) == 1


def test_points_vote(make_station, make_document):
    from helpers import Voter

    app = make_station(make_document(rule={"rule": "points", "total": 10, "max_per_project": 6}))
    voter = Voter(app.test_client())
    voter.check_in()
    response = voter.choose(**{"points-utegym": "7", "points-bankar": "3"})
    assert response.status_code == 422 and "högst 6 poäng" in response.get_data(as_text=True)
    assert voter.choose(**{"points-utegym": "x"}).status_code == 422
    assert voter.choose(**{"points-utegym": "6", "points-bankar": "4"}).status_code == 302
    assert voter.cast().status_code == 302
    assert len(stored_tracking_codes(app)) == 1


def test_code_check_in_accepts_a_code_once_and_catches_typos(make_station, make_document):
    from helpers import Voter

    codes = [crockford.make_code(os.urandom(16), 15) for _ in range(3)]
    hashes = [hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes]
    app = make_station(make_document(check_in="code", code_hashes=hashes))
    voter = Voter(app.test_client())

    typo = codes[0][:-1] + ("0" if codes[0][-1] != "0" else "1")
    assert "felskriven" in voter.check_in(code=typo).get_data(as_text=True)
    assert "inte komplett" in voter.post("/code", {"code": codes[0][:8]}, token_from="/code").get_data(as_text=True)
    unknown = crockford.make_code(os.urandom(16), 15)
    assert "gäller inte" in voter.post("/code", {"code": unknown}, token_from="/code").get_data(as_text=True)

    response = voter.post("/code", {"code": codes[0].lower().replace("-", " ")}, token_from="/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ballot")
    assert voter.choose(project=["bankar"]).status_code == 302
    assert voter.cast().status_code == 302
    voter.post("/done")

    again = Voter(app.test_client())
    response = again.check_in(code=codes[0])
    assert response.status_code == 422 and "redan använts" in response.get_data(as_text=True)
    with app.app_context():
        assert [record.code_hash for record in store.records()] == [hashes[0]]


def test_staff_check_in_on_the_tablet(make_station, make_document):
    from helpers import STAFF_PIN, Voter

    app = make_station(make_document(check_in="staff"))
    voter = Voter(app.test_client())
    wrong = voter.check_in(pin="0000")
    assert wrong.status_code == 422 and "Fel PIN-kod" in wrong.get_data(as_text=True)
    assert voter.post("/activate", {"pin": STAFF_PIN}, token_from="/activate").status_code == 302
    assert voter.choose(project=["bankar"]).status_code == 302
    assert voter.cast().status_code == 302
    assert len(stored_tracking_codes(app)) == 1


def test_finish_clears_the_session_and_back_shows_nothing(app, voter):
    voter.vote(project=["bankar"])
    assert voter.post("/done", token_from="/receipt").status_code == 302
    for path in ["/receipt", "/review", "/ballot"]:
        response = voter.client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/"
    assert voter.client.get("/").headers["Cache-Control"] == "no-store"


def test_every_voter_page_is_not_stored_and_has_a_strict_policy(voter):
    voter.check_in()
    for path in ["/", "/ballot", "/project/bankar"]:
        response = voter.client.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("repeat", ["double tap", "reload"])
def test_casting_twice_stores_one_ballot_and_shows_the_same_receipt(app, voter, repeat):
    voter.check_in()
    voter.choose(project=["bankar"])
    token = voter.token("/review")
    cookie = voter.client.get_cookie("vallokal_station").value
    first = voter.client.post("/cast", data={"csrf_token": token})
    if repeat == "double tap":
        voter.client.set_cookie("vallokal_station", cookie)
    second = voter.client.post("/cast", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == "/receipt"
    assert len(stored_tracking_codes(app)) == 1
    assert voter.receipt_code() == stored_tracking_codes(app)[0]


def test_project_page_describes_the_project(voter):
    voter.check_in()
    page = voter.client.get("/project/konstgras").get_data(as_text=True)
    assert "Konstgräs på bollplanen i Hjulsta" in page and "420\xa0000 kr" in page
    assert voter.client.get("/project/nope").status_code == 404


def test_healthz_reports_for_monitoring(app, voter):
    voter.vote(project=["bankar"])
    health = voter.client.get("/healthz").get_json()
    assert health == {"status": "ok", "election": "tensta-2026", "polls": "open", "ballots_cast": 1, "unsynced": 1, "last_sync": None, "storage_full": False}
