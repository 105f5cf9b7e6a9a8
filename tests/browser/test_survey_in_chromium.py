"""The optional survey after the receipt, in a real Chromium: skipped in one tap, answered, and gone for the next voter."""

from __future__ import annotations

import pytest
from helpers import axe_violations
from playwright.sync_api import Page, expect
from vallokal.kiosk import store

pytestmark = pytest.mark.browser


def vote_in_english(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Start voting").click()
    page.get_by_label("I confirm that I can vote").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Playground with a swing for every child").check()
    page.get_by_role("button", name="Review my choices").click()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for voting")


def counted(app) -> dict[str, int]:
    with app.app_context():
        return {name: count for named in store.participation_counters().values() for name, count in named.items()}


def test_the_survey_is_skipped_in_one_tap_answered_and_gone_for_the_next_voter(live_station, page: Page):
    app, url = live_station
    vote_in_english(page, url)
    survey = page.get_by_role("form", name="A few questions, if you want to answer")
    expect(survey).to_be_visible()
    expect(survey.get_by_role("group", name="How old are you?")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen till omröstningen")
    assert counted(app)["survey:not_answered"] == 1 and counted(app).get("survey:answered", 0) == 0

    vote_in_english(page, url)
    page.get_by_role("group", name="How old are you?").get_by_label("65 or older").check()
    page.get_by_role("group", name="How did you hear about the vote?").get_by_label("Someone I know").check()
    before = counted(app)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen till omröstningen")
    after = counted(app)
    assert after["survey:answered"] == 1 and after["survey:age:65_plus"] == 1 and after["survey:heard:people"] == 1
    assert after["survey:first_time:none"] == 1
    assert {name: count - before.get(name, 0) for name, count in after.items() if count != before.get(name, 0)} == {
        "survey:answered": 1, "survey:age:65_plus": 1, "survey:heard:people": 1, "survey:first_time:none": 1,
    }, "the answers, and nothing else"

    page.go_back()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Thank you for voting")
    vote_in_english(page, url)
    expect(page.get_by_role("group", name="How old are you?").get_by_label("65 or older")).not_to_be_checked()
    assert page.locator(".survey input:checked").count() == 0, "nothing of the last voter's answers"
    assert counted(app)["survey:answered"] == 1, "showing the survey counts nothing"
