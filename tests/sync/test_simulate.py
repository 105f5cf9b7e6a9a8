"""The rehearsal: real office and station servers on loopback, voters, and a faulty network."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from vallokal.cli import cli


def rehearse(*arguments: str) -> dict:
    result = CliRunner().invoke(cli, ["simulate", "--json", *arguments])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_a_small_rehearsal_with_faults_delivers_everything_once():
    summary = rehearse("--stations", "3", "--voters", "150", "--faults", "0.3")
    assert summary["cast"] == summary["received"] == 150
    assert summary["missing"] == 0 and summary["duplicates"] == 0
    assert all(station["cast"] == station["received"] == 50 for station in summary["stations"].values())


@pytest.mark.slow
def test_three_stations_three_thousand_voters_thirty_percent_faults():
    summary = rehearse("--stations", "3", "--voters", "3000", "--faults", "0.3")
    assert summary["cast"] == summary["received"] == 3000
    assert summary["missing"] == 0 and summary["duplicates"] == 0
    assert sorted(station["received"] for station in summary["stations"].values()) == [1000, 1000, 1000]


def test_a_rehearsal_publishes_and_the_publication_verifies(tmp_path):
    folder = tmp_path / "publication"
    summary = rehearse("--stations", "2", "--voters", "60", "--faults", "0.2", "--publish", str(folder))
    assert summary["published"]["valid"] == 60 and len(summary["published"]["opened_by"]) == 3
    checked = CliRunner().invoke(cli, ["verify", str(folder)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.count("PASS") == 7
    again = CliRunner().invoke(cli, ["simulate", "--stations", "1", "--voters", "1", "--publish", str(folder)])
    assert again.exit_code == 2 and "exists already" in again.output


def test_a_rehearsal_fills_the_participation_counters(tmp_path):
    """The rehearsal's voters choose languages and settings, open help, change after the review, answer the survey and
    walk away: `vallokal office participation` on it shows real figures, small ones suppressed."""
    summary = rehearse("--stations", "2", "--voters", "80", "--keep", str(tmp_path / "rehearsal"))
    assert summary["cast"] == 80
    result = CliRunner().invoke(cli, ["office", "participation", "--data", str(tmp_path / "rehearsal" / "office"), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["sessions"]["cast"] == 80
    assert isinstance(document["languages"]["sv"], int) and document["languages"]["sv"] >= 10
    assert set(document["languages"]) == {"sv", "en"}
    assert document["time_to_cast"]["under_2"] == 80 or document["time_to_cast"]["under_2"] == "suppressed"
    assert document["sessions"]["abandoned"] not in (0, None)
    answered = document["survey"]["answered"]
    assert answered == "suppressed" or answered == "<10" or answered >= 10
    assert any(value not in (0, "<10", "suppressed") for value in document["survey:age"].values())


@pytest.mark.slow
def test_a_rehearsal_with_its_cores_loaded_by_another_process_delivers_within_a_minute_of_the_last_voter():
    """Finding 9 (issue 14): a busy machine made failed sends pile up into a backoff of minutes; a send that
    delivers something now starts the backoff again, so the last records follow within about a minute."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        summary = rehearse("--stations", "3", "--voters", "900", "--faults", "0.3", "--sync-timeout", "90")
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert summary["cast"] == summary["received"] == 900 and summary["missing"] == 0 and summary["duplicates"] == 0
    assert summary["delivered_after_seconds"] is not None and summary["delivered_after_seconds"] <= 60, summary
