"""What a clerk sends the office (issue 14, findings 3 and 7): limits, exact numbers, safe ids and standard CSV, answered quickly with a 4xx."""

from __future__ import annotations

import io
import time

import pytest
from syncing import add_second_clerk, approved, log_in, now, token
from vallokal.election import material
from vallokal.sync.office import channels

HEADER = "id;cost;title_sv;summary_sv"


def projects(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode("utf-8")


def messages(problems) -> str:
    return " | ".join(str(problem) for problem in problems)


def test_a_quoted_cell_with_doubled_quotes_is_read_by_the_csv_standard():
    read, _, problems = material.read_projects(projects('gront-torg;180 000;"Projekt ""Grönt torg""";"Träd; bänkar och ""liv"""'), ["sv"], {})
    assert problems == []
    assert read[0]["title"] == {"sv": 'Projekt "Grönt torg"'} and read[0]["summary"] == {"sv": 'Träd; bänkar och "liv"'}


def test_a_cell_over_the_csv_field_limit_is_a_problem_not_a_crash():
    _, _, problems = material.read_projects(projects(f"big;1000;\"{'x' * 200_000}\";s"), ["sv"], {})
    assert "KiB" in messages(problems)


@pytest.mark.parametrize("project_id", ["parker/norr", "..", "a..b", "../etc", "a" * 65])
def test_project_ids_are_restricted_to_a_safe_alphabet(project_id):
    _, _, problems = material.read_projects(projects(f"{project_id};1000;Titel;Kort"), ["sv"], {})
    assert "is not a usable id" in messages(problems) and "no '/'" in messages(problems)


@pytest.mark.parametrize(
    "text",
    ["budget = " + "[" * 5_000 + "]" * 5_000, "budget = " + "7" * 5_000, "budget = 9" + "0" * 40],
    ids=["nested 5,000 deep", "5,000-digit integer", "42-digit budget"],
)
def test_settings_that_no_election_could_mean_are_refused_with_a_problem(text):
    settings, problems = material.read_settings(text.encode())
    if not problems:
        _, _, problems = material.settings_document(settings)
    assert any("nested too deeply" in str(problem) or "at most" in str(problem) for problem in problems), messages(problems)


def pabulib_file(cost: str) -> bytes:
    return (
        "META\nkey;value\nbudget;1000000\nvote_type;approval\n"
        f"PROJECTS\nproject_id;cost\nbankar;{cost}\nodling;95000\n"
        "VOTES\nvoter_id;vote\nx1;bankar\n"
    ).encode()


def test_a_pabulib_cost_in_scientific_notation_is_refused_at_once(election):
    started = time.monotonic()
    with election.office.app_context(), pytest.raises(channels.ChannelError, match="not an amount"):
        channels.import_votes(pabulib_file("1e1000000000"), "huge.pb", "test", "anna", now(), approved_by="bertil")
    assert time.monotonic() - started < 2


def test_money_is_taken_when_it_is_a_whole_number_of_kronor(election):
    with election.office.app_context():
        assert channels.import_votes(pabulib_file("400000.0"), "whole.pb", "test", "anna", now(), approved_by="bertil").ballots == 1
        with pytest.raises(channels.ChannelError, match="whole kronor"):
            channels.import_votes(pabulib_file("400000.50"), "ore.pb", "test", "anna", now(), approved_by="bertil")


def test_a_csv_vote_file_with_a_cell_over_the_field_limit_is_refused(election, staff):
    add_second_clerk(election)
    log_in(staff)
    content = ("vote\n\"" + "bankar," * 30_000 + "\"\n").encode()
    response = staff.post(
        "/imports",
        data=approved({"csrf_token": token(staff, "/imports"), "source": "E-tjänst", "file": (io.BytesIO(content), "votes.csv")}),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "KiB" in response.get_data(as_text=True)


@pytest.mark.parametrize("text", ["7" * 5_000, "[" * 100_000, '{"body": ' * 50_000], ids=["big integer", "[ x 100,000", "deep object"])
def test_the_enrol_box_refuses_what_is_not_a_request(staff, text):
    log_in(staff)
    started = time.monotonic()
    response = staff.post("/stations/enrol", data={"csrf_token": token(staff, "/"), "request_text": text, "passphrase": "x"})
    assert response.status_code == 422 and "QR" in response.get_data(as_text=True)
    assert time.monotonic() - started < 2


def test_a_count_id_of_23_digits_is_not_found(staff):
    log_in(staff)
    for path in ("/counts/12345678901234567890123/", "/counts/12345678901234567890123/protocol", "/counts/99999999999999999999999/results.csv"):
        assert staff.get(path).status_code == 404, path


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"])
def test_results_csv_neutralises_formula_prefixes(title):
    import csv
    import json
    from types import SimpleNamespace

    from vallokal.sync.office import exports

    package = SimpleNamespace(project=lambda project_id: SimpleNamespace(title={"sv": title}), fallback_language="sv")
    outcome = {"score_kind": "approvals", "projects": [{"id": "p1", "cost": -5, "score": 3, "selected": True}]}
    text = exports.results_csv(package, SimpleNamespace(outcome=json.dumps(outcome)))
    (header, row) = list(csv.reader(io.StringIO(text, newline="")))
    assert row[1] == "'" + title and row[2] == "-5"


def test_a_nul_in_the_source_or_file_name_of_an_import_is_dropped_not_a_500(election):
    with election.office.app_context():
        imported = channels.import_votes(b"vote\nbankar\n", "vot\x00es.csv", "E-tj\x00änst", "anna", now(), approved_by="bertil")
        assert imported.source == "E-tjänst" and imported.filename == "votes.csv"
