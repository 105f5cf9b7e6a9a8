"""Property tests over every voter and staff form: whatever is typed or tampered with, no 5xx, no traceback, and a refused request stores nothing."""

from __future__ import annotations

from helpers import STAFF_PIN
from hypothesis import HealthCheck, given, settings, strategies as st
from vallokal.kiosk import store

FIELDS = ["project", "rank-1", "rank-2", "points-bankar", "points-x", "confirm", "code", "pin", "language", "text_size",
          "contrast", "next", "reset", "action", "kind", "reason", "sheet"]
VALUES = st.text(max_size=40) | st.sampled_from(["bankar", "odling", "yes", STAFF_PIN, "en", "largest", "dark", "//evil.example", "-1", "9" * 30])
FORMS = st.dictionaries(st.sampled_from(FIELDS), VALUES | st.lists(VALUES, max_size=4), max_size=6)


def _routes(app) -> list[str]:
    return sorted(rule.rule.replace("<project_id>", "bankar").replace("<name>", "x").replace("<kind>", "closing")
                  for rule in app.url_map.iter_rules() if "POST" in rule.methods)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_form_on_any_page_answers_without_a_5xx_and_a_refusal_stores_nothing(app, voter, data):
    route = data.draw(st.sampled_from(_routes(app)))
    fields = data.draw(FORMS)
    if data.draw(st.booleans()):
        voter.post("/start")
    with app.app_context():
        before = store.ballots_cast()
    response = voter.post(route, fields)
    text = response.get_data(as_text=True)
    assert response.status_code < 500, (route, fields, response.status_code)
    assert "Traceback" not in text and "File \"" not in text
    with app.app_context():
        stored = store.ballots_cast() - before
    assert stored == 0 or (route == "/cast" and stored == 1 and response.status_code == 302)
