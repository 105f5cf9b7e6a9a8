"""Lighthouse (pinned in package.json) scores the voter's pages 100 in accessibility and best practices, run by the
documented script as docs/accessibility.md says: a demo station, a paired browser, one voter's walk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.browser
def test_lighthouse_scores_the_ballot_and_the_review_100(tmp_path: Path) -> None:
    scores = tmp_path / "scores.json"
    run = subprocess.run(
        ["node", "scripts/lighthouse.mjs", "--pages", "ballot,review", "--json", str(scores), "--python", sys.executable],
        cwd=ROOT, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, capture_output=True, text=True, timeout=1200,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    found = {page: result["scores"] for page, result in json.loads(scores.read_text(encoding="utf-8")).items()}
    assert found == {page: {"accessibility": 100, "best-practices": 100} for page in ("ballot", "review")}, run.stdout
