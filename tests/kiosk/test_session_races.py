"""Requests of one tablet that overlap: a page's stylesheet, a draft saved as the voter moves on, a language
chosen while something else loads. None may write back a session that another has changed or ended."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from helpers import Voter
from vallokal.kiosk import store, voter as voter_pages

SESSION_COOKIE = "vallokal_station"


def same_tablet(app, voter: Voter):
    """A second client with the first one's session cookie: another request from the same browser."""
    other = app.test_client()
    other.set_cookie(SESSION_COOKIE, voter.client.get_cookie(SESSION_COOKIE).value)
    return other


@contextmanager
def held_inside(monkeypatch, owner: object, name: str) -> Iterator[tuple[threading.Event, threading.Event]]:
    """`owner.name` waits, in the thread named "slow" only, until the test lets it go on."""
    entered, go_on = threading.Event(), threading.Event()
    original: Callable = getattr(owner, name)

    def waiting(*args, **kwargs):
        if threading.current_thread().name == "slow":
            entered.set()
            assert go_on.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, waiting)
    yield entered, go_on
    go_on.set()


def in_thread(name: str, work: Callable[[], object]) -> tuple[threading.Thread, list]:
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(work()), name=name)
    thread.start()
    return thread, answers


def page_language(client) -> str:
    return re.search(r'<html lang="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)


def test_a_page_that_changes_nothing_never_writes_back_the_session_it_read(app, voter, monkeypatch):
    voter.client.get("/")
    token = voter.token("/")
    slow_page = same_tablet(app, voter)
    with held_inside(monkeypatch, store, "voting_refusal") as (entered, go_on):
        reading, _ = in_thread("slow", lambda: slow_page.get("/"))
        assert entered.wait(10)
        choosing, answers = in_thread("fast", lambda: voter.client.post("/settings", data={"csrf_token": token, "language": "en"}))
        choosing.join(0.5)
        go_on.set()
        reading.join(10)
        choosing.join(10)
    assert answers[0].status_code == 302
    assert page_language(voter.client) == "en"


def test_a_draft_saved_while_the_cast_ends_the_session_does_not_bring_the_ballot_back(app, voter, monkeypatch):
    assert voter.check_in().status_code == 302
    assert voter.choose(project=["bankar"], action="update").status_code == 200
    draft_token, cast_token = voter.token("/ballot"), voter.token("/review")
    drafting_tablet = same_tablet(app, voter)
    with held_inside(monkeypatch, voter_pages, "keep_draft") as (entered, go_on):
        drafting, _ = in_thread(
            "slow",
            lambda: drafting_tablet.post(
                "/ballot", data={"csrf_token": draft_token, "project": ["odling"], "action": "draft"},
                headers={"X-Requested-With": "fetch"},
            ),
        )
        assert entered.wait(10)
        casting, answers = in_thread("fast", lambda: voter.client.post("/cast", data={"csrf_token": cast_token}))
        casting.join(0.5)
        go_on.set()
        drafting.join(10)
        casting.join(10)
    assert answers[0].status_code == 302 and answers[0].headers["Location"].endswith("/receipt")
    with app.app_context():
        assert store.ballots_cast() == 1
    after = voter.client.get("/ballot")
    assert after.status_code == 302 and after.headers["Location"].endswith("/")
    assert voter.client.get("/receipt").status_code == 200


def test_every_session_lock_is_given_back(app, voter):
    voter.vote(project=["bankar"])
    voter.client.get("/static/css/vallokal.css").close()
    voter.client.get("/no-such-page")
    voter.client.post("/settings", data={"language": "xx"})
    assert len(app.session_interface.locks) == 0
