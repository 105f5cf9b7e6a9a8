"""The rehearsal: real office and station servers on loopback, voters, and a faulty network."""

from __future__ import annotations

import json

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
