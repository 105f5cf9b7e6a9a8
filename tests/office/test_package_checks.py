"""Package checks: every problem at once, and warnings (not errors) for a voting window in the past or already begun."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from syncing import PASSWORD, log_in, token
from test_provisioning import PASSPHRASE, office_with_keys, projects_text, run, settings_text, write_material  # noqa: F401 (a fixture)
from vallokal.sync.office import create_app as create_office, prepare as prepare_office, store as office_store


def window(text: str, opens: datetime, closes: datetime) -> str:
    text = re.sub(r"opens = \S+", f"opens = {opens.replace(microsecond=0).isoformat()}", text)
    return re.sub(r"closes = \S+", f"closes = {closes.replace(microsecond=0).isoformat()}", text)


def check(tmp_path: Path, office: Path, settings: str):
    projects, settings_file = write_material(tmp_path / "material", projects_text().replace("lekplats.svg", ""), settings)
    return run("office", "package", "--data", office, "--projects", projects, "--settings", settings_file,
               "--out", tmp_path / "out.zip", "--check", ok=False)


def test_a_bad_budget_does_not_hide_a_vote_that_closes_before_it_opens(tmp_path: Path, office_with_keys: Path) -> None:
    now = datetime.now(timezone.utc)
    settings = window(settings_text(check_in="open"), now + timedelta(days=10), now + timedelta(days=2)).replace("budget = 1_000_000", 'budget = "lots"')
    result = check(tmp_path, office_with_keys, settings)
    assert result.exit_code == 1
    assert "budget: give a whole number" in result.output and "voting.closes: the vote closes" in result.output, result.output
    assert "2 problem(s)" in result.output


def test_a_window_in_the_past_or_already_begun_is_a_warning_not_an_error(tmp_path: Path, office_with_keys: Path) -> None:
    now = datetime.now(timezone.utc)
    past = check(tmp_path, office_with_keys, window(settings_text(check_in="open"), now - timedelta(days=30), now - timedelta(days=20)))
    assert past.exit_code == 0 and "No problems found" in past.output and "wholly in the past" in past.output, past.output
    begun = check(tmp_path, office_with_keys, window(settings_text(check_in="open"), now - timedelta(hours=1), now + timedelta(days=20)))
    assert begun.exit_code == 0 and "already begun" in begun.output and "wholly in the past" not in begun.output
    later = check(tmp_path, office_with_keys, window(settings_text(check_in="open"), now + timedelta(days=5), now + timedelta(days=20)))
    assert later.exit_code == 0 and "warning" not in later.output


def test_the_package_page_warns_of_a_window_in_the_past(tmp_path: Path, office_with_keys: Path) -> None:
    office = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=office_with_keys)
    prepare_office(office)
    with office.app_context():
        office_store.add_user("anna", PASSWORD)
    client = office.test_client()
    log_in(client)
    now = datetime.now(timezone.utc)
    settings = window(settings_text(check_in="open"), now - timedelta(days=30), now - timedelta(days=20))
    page = client.post("/package/", data={
        "csrf_token": token(client, "/package/"),
        "projects": (io.BytesIO(projects_text().replace("lekplats.svg", "").encode("utf-8")), "projekt.csv"),
        "settings": (io.BytesIO(settings.encode("utf-8")), "settings.toml"),
    }, content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="warning-closed"' in text, text
    assert "Varning" in text and "Röstsedel" in text and "knapsack" not in re.sub(r"<code>.*?</code>", "", text.split("<h2>")[0])


def problems_page(office_dir: Path, language: str | None = None) -> str:
    office = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=office_dir)
    prepare_office(office)
    with office.app_context():
        office_store.add_user("anna", PASSWORD)
    client = office.test_client()
    if language:
        client.post("/results/language", data={"csrf_token": token(client, "/login"), "language": language})
    log_in(client)
    settings = settings_text(check_in="open").replace("budget = 1_000_000", 'budget = "lots"').replace(
        "[voting]\nopens = ", "[voting]\nopens = 2027-03-01\nx = ").replace('timezone = "Europe/Stockholm"', 'timezone = "Europe/Tensta"')
    projects = projects_text(3).replace("lekplats.svg", "").replace("image_text_en", "bild_sv").replace("projekt-2;120 000", "projekt-2;mycket")
    page = client.post("/package/", data={
        "csrf_token": token(client, "/package/"),
        "projects": (io.BytesIO(projects.encode("utf-8")), "projekt.csv"),
        "settings": (io.BytesIO(settings.encode("utf-8")), "settings.toml"),
    }, content_type="multipart/form-data")
    assert page.status_code == 422
    with office.app_context():
        office_store.db.engine.dispose()
    return page.get_data(as_text=True)


def problem_cells(page: str) -> list[str]:
    return re.findall(r"<tr><td>[^<]*</td><td>[^<]*</td><td>[^<]*</td><td>(.*?)</td></tr>", page, re.S)


def test_package_problems_are_in_the_page_s_language_with_no_english_sentence_on_a_swedish_page(tmp_path: Path, office_with_keys: Path) -> None:
    from vallokal.election import material

    swedish = problems_page(office_with_keys)
    cells = problem_cells(swedish)
    assert len(cells) >= 5, swedish
    wanted = ["budget: ange ett heltal", "voting.opens: ange datum och tid med tidsförskjutning", "okänd inställning voting.x",
              "voting.timezone: &#39;Europe/Tensta&#39; är ingen tidszon", "okänd kolumn", "är inte en kostnad i hela kronor"]
    assert all(any(part in cell for cell in cells) for part in wanted), cells
    english = [sentence.split("%(")[0].split(":")[-1].strip() for sentence in material.PROBLEMS.values()]
    for cell in cells:
        assert not any(len(start) > 8 and start in cell for start in english), cell
        assert not re.search(r"\b(give|missing|is not|column|unknown)\b", cell), cell



def test_an_english_clerk_sees_the_same_problems_in_english(tmp_path: Path, office_with_keys: Path) -> None:
    cells = problem_cells(problems_page(office_with_keys, "en"))
    assert any("budget: give a whole number" in cell for cell in cells) and any("unknown column" in cell for cell in cells), cells
