"""Small channels are not published on their own (issue 14, finding 5); clerks still see exact figures."""

from __future__ import annotations

import pytest
from syncing import bundle_of, cast, log_in, now, post_bundle
from vallokal.sync.office import channels, counting, suppression


def figures(**valid: int) -> dict:
    return {name: {"valid": number, "invalid": 0, "scores": {"p": number}} for name, number in valid.items()}


@pytest.mark.parametrize(
    "valid, folded",
    [
        ({"station": 40, "paper": 12, "import": 0}, []),
        ({"station": 40, "paper": 1}, ["paper", "station"]),
        ({"station": 40, "paper": 11, "import": 1}, ["import", "paper"]),
        ({"station": 40, "paper": 4, "import": 7}, ["import", "paper"]),
        ({"station": 3}, ["station"]),
    ],
)
def test_folded_channels_cannot_be_worked_out_from_the_total(valid, folded):
    assert suppression.folded_channels(figures(**valid), 10) == folded
    shown = [name for name in valid if name not in folded and valid[name]]
    hidden = sum(valid[name] for name in folded)
    assert hidden == 0 or hidden >= 10 or not shown


def test_the_one_paper_ballot_is_not_shown_on_its_own_but_clerks_see_it(election, staff, sealing_key):
    station = election.station()
    cast(station, 12, ("bankar",))
    assert post_bundle(election, bundle_of(station)).status_code == 200
    with election.office.app_context():
        for clerk in ("anna", "bo"):
            channels.enter_paper("P-1", {"selected": ["odling"]}, clerk, now())
        count = counting.run(sealing_key, "test", now())
        counting.publish(count.id, now(), published_by="anna", approved_by="bertil")
        count_id = count.id
    public = election.office.test_client()
    page = public.get("/results/").get_data(as_text=True)
    assert "Paper" not in page and "Papper" not in page and "På papper" not in page
    assert "minst 10" in page or "at least 10" in page
    published = public.get("/results/results.json").get_json()
    assert published["channels"]["paper"]["scores"] is None and published["channels"]["station"]["scores"] is None
    assert published["suppression"] == {"threshold": 10, "folded_channels": ["paper", "station"]}
    assert {project["id"]: project["score"] for project in published["projects"]}["odling"] == 1
    log_in(staff)
    exact = staff.get(f"/counts/{count_id}/results.json").get_json()
    assert exact["channels"]["paper"]["scores"]["odling"] == 1 and "suppression" not in exact
    assert "På papper" in staff.get(f"/counts/{count_id}/").get_data(as_text=True) or "paper" in staff.get(f"/counts/{count_id}/").get_data(as_text=True).lower()


def test_the_threshold_is_an_office_setting(election, sealing_key):
    election.office.config["SUPPRESSION_THRESHOLD"] = 1
    with election.office.app_context():
        for clerk in ("anna", "bo"):
            channels.enter_paper("P-1", {"selected": ["odling"]}, clerk, now())
        counting.publish(counting.run(sealing_key, "test", now()).id, now(), published_by="anna", approved_by="bertil")
    published = election.office.test_client().get("/results/results.json").get_json()
    assert published["channels"]["paper"]["scores"]["odling"] == 1 and published["suppression"]["folded_channels"] == []
