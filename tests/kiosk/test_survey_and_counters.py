"""At the station: what a voter's visit adds to the day's counters, and the optional survey after the receipt."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from helpers import Voter
from vallokal.election import package as packages
from vallokal.kiosk import store
from vallokal.kiosk.models import ParticipationCounter


def counters(app) -> dict[str, int]:
    with app.app_context():
        return {name: count for named in store.participation_counters().values() for name, count in named.items()}


def test_the_receipt_offers_the_survey_and_finish_skips_it_in_one_tap(app, voter):
    voter.vote(project=["bankar"])
    page = voter.client.get("/receipt").get_data(as_text=True)
    assert "How old are you?" in page or "Hur gammal är du?" in page
    assert page.index('action="/done"') < page.index('action="/survey"'), "Finish, which skips the survey, comes first"
    assert voter.post("/done", token_from="/receipt").headers["Location"].endswith("/")
    assert counters(app)["survey:not_answered"] == 1 and "survey:answered" not in counters(app)
    assert 'name="survey-age"' not in voter.client.get("/receipt", follow_redirects=True).get_data(as_text=True)


def test_answers_count_once_and_the_next_voter_starts_afresh(app, voter):
    voter.vote(project=["bankar"])
    answer = voter.post("/survey", {"survey-age": "18_29", "survey-heard": "not-an-answer"}, token_from="/receipt")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/")
    again = voter.client.post("/survey", data={"survey-age": "18_29"})
    assert again.status_code in (302, 400)
    found = counters(app)
    assert found["survey:answered"] == 1 and found["survey:age:18_29"] == 1
    assert found["survey:heard:none"] == 1 and found["survey:first_time:none"] == 1, "an unknown or missing answer counts as none"
    assert voter.client.get("/receipt").headers["Location"].endswith("/"), "the next voter sees no receipt and no survey"
    voter.vote(project=["odling"])
    assert 'name="survey-age"' in voter.client.get("/receipt").get_data(as_text=True)
    assert 'checked' not in voter.client.get("/receipt").get_data(as_text=True).split('class="survey"')[1]


def test_a_survey_sent_without_a_cast_counts_nothing(app, voter):
    assert voter.post("/survey", {"survey-age": "18_29"}).status_code == 302
    assert voter.check_in().status_code == 302
    assert voter.post("/survey", {"survey-age": "18_29"}, token_from="/ballot").status_code == 302
    assert "survey:answered" not in counters(app)


def test_no_survey_when_the_package_has_none(make_station, make_document):
    document = make_document()
    del document["survey"]
    app = make_station(document)
    voter = Voter(app.test_client())
    voter.vote(project=["bankar"])
    assert "survey" not in voter.client.get("/receipt").get_data(as_text=True)
    voter.post("/done", token_from="/receipt")
    assert "survey:not_answered" not in counters(app)


def test_a_visit_raises_its_counters_and_keeps_nothing_of_the_voter(app, voter):
    voter.post("/settings", {"language": "en", "text_size": "larger", "contrast": "dark", "next": "/"})
    assert voter.check_in().status_code == 302
    voter.client.get("/help")
    voter.post("/settings", {"speech": "used"}, token_from="/ballot", headers={"X-Requested-With": "fetch"})
    assert voter.choose(project=["bankar"]).status_code == 302
    voter.client.get("/review")
    assert voter.choose(project=["odling"]).status_code == 302
    code = voter.cast().headers["Location"]
    assert code.endswith("/receipt")
    found = counters(app)
    assert {name for name, count in found.items() if count} == {
        "ballots", "language:en", "text_size:larger", "contrast:dark", "time:under_2", "feature:help", "feature:speech", "feature:changed_on_review",
    }
    with app.app_context():
        rows = store.db.session.execute(sa.select(ParticipationCounter.day, ParticipationCounter.name, ParticipationCounter.count)).all()
    assert all(len(day) == 10 for day, _, _ in rows), "a day, never a minute"


def test_walking_away_counts_as_abandoned_and_a_repeated_cast_counts_once(app, voter):
    assert voter.check_in().status_code == 302
    voter.post("/done", token_from="/ballot")
    assert counters(app)["sessions:abandoned"] == 1
    assert voter.check_in().status_code == 302
    assert voter.choose(project=["bankar"]).status_code == 302
    token = voter.token("/review")
    assert voter.client.post("/cast", data={"csrf_token": token}).status_code == 302
    voter.client.post("/cast", data={"csrf_token": token})
    assert counters(app)["ballots"] == 1


def test_an_idle_session_is_abandoned_on_the_server(app, voter, monkeypatch):
    assert voter.check_in().status_code == 302
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    voter.client.get("/ballot")
    assert counters(app)["sessions:abandoned"] == 1


def test_time_to_cast_is_counted_in_coarse_bands(app, voter, monkeypatch):
    start = time.time()
    assert voter.check_in().status_code == 302
    assert voter.choose(project=["bankar"]).status_code == 302
    token = voter.token("/review")
    monkeypatch.setattr(time, "time", lambda: start + 200)
    assert voter.client.post("/cast", data={"csrf_token": token}).status_code == 302
    assert counters(app)["time:2_5"] == 1


@pytest.mark.parametrize(("change", "message"), [
    (lambda survey: survey["questions"].append(dict(survey["questions"][0])), "used by an earlier question"),
    (lambda survey: survey["questions"][0]["answers"].append(dict(survey["questions"][0]["answers"][0])), "used by an earlier answer"),
    (lambda survey: survey["questions"][0]["answers"][0].update(id="none"), "kept for a question left unanswered"),
    (lambda survey: survey["questions"][0]["answers"][0].update(id="Not An Id"), "does not match"),
    (lambda survey: survey["questions"][0].update(answers=survey["questions"][0]["answers"][:1]), "too short"),
])
def test_a_package_survey_that_does_not_hold_together_is_refused(make_document, change, message):
    document = make_document()
    change(document["survey"])
    with pytest.raises(packages.PackageError, match=message):
        packages.validate_document(document)
