"""An election package document from the office's own material: a spreadsheet of projects and a settings file.

Staff keep projects in a spreadsheet, so every problem is reported by row and
column, all at once, in words that say what to change. Nothing here signs;
`package.build_file` does that once the material is clean.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import package as packages, spreadsheet
from .rules import COUNTING_RULES, RULE_KINDS as BALLOT_RULES

LANGUAGES = packages.LANGUAGES
TEXT_COLUMNS = ("title", "summary", "description", "category", "location", "image_text")
REQUIRED_TEXTS = ("title", "summary")
IMAGE_TYPES = {".svg", ".png", ".jpg", ".jpeg", ".webp"}
MAX_IMAGE_BYTES = 4 * 1024 * 1024
SETTINGS_KEYS = {
    "id", "municipality", "languages", "budget", "currency", "check_in", "minimum_age", "title",
    "description", "area", "area_statement", "voting", "ballot", "counting", "survey",
}
SURVEY_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
ANSWER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_QUESTIONS = 5
MAX_ANSWERS = 10
TABLE_KEYS = {"voting": ("opens", "closes", "timezone"), "counting": ("rule",)}
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
PROJECT_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.)){0,63}$")
LARGEST_DIGITS = 15
LARGEST_NUMBER = 10**LARGEST_DIGITS
ASSET_NAME = re.compile(r"[^A-Za-z0-9._-]")


def N_(message: str) -> str:
    """Marks an English sentence for the translators' catalogue; the pure core itself never translates."""
    return message


PROBLEMS = {
    "not_utf8": N_("is not UTF-8 text; save it as UTF-8"),
    "toml_invalid": N_("is not valid TOML at line %(line)s, column %(column)s: look there for a missing quote, bracket or '='"),
    "toml_unusable": N_("is not usable TOML: it is nested too deeply or holds a number of more than %(digits)s digits"),
    "unknown_setting": N_("unknown setting %(key)s; the settings are %(known)s"),
    "unknown_table_setting": N_("unknown setting %(table)s.%(key)s; [%(table)s] has %(known)s"),
    "languages_not_list": N_("languages: give a list such as [\"sv\", \"en\"]"),
    "languages_unknown": N_("languages: %(unknown)s is not a language Vallokal offers (%(offered)s)"),
    "text_missing": N_("%(name)s: missing; give it in %(language)s at least ([%(name)s] %(language)s = \"…\")"),
    "text_not_per_language": N_("%(name)s: give one text per language, such as %(language)s = \"…\""),
    "text_language_not_in_package": N_("%(name)s: %(unknown)s is not among the package's languages (%(languages)s)"),
    "text_missing_first_language": N_("%(name)s: has no text in %(language)s, the package's first language"),
    "moment_without_offset": N_("%(name)s: give a date and time with its offset, such as 2027-03-01T08:00:00+01:00"),
    "moment_missing": N_("%(name)s: missing; give a date and time such as 2027-03-01T08:00:00+01:00"),
    "number_not_whole": N_("%(name)s: give a whole number"),
    "number_missing": N_("%(name)s: give a whole number (it is missing)"),
    "number_too_small": N_("%(name)s: must be at least %(minimum)s"),
    "number_too_large": N_("%(name)s: must be at most %(maximum)s"),
    "id_invalid": N_("id: give a short name for this vote of letters, digits, '-', '.', '_' or '/', such as \"tensta-2027\""),
    "municipality_missing": N_("municipality: missing; give the municipality's name"),
    "currency_invalid": N_("currency: give a three-letter code such as SEK"),
    "check_in_unknown": N_("check_in: %(value)s is not a way to check in; use open, code or staff"),
    "closes_before_opens": N_("voting.closes: the vote closes (%(closes)s) before it opens (%(opens)s); give a closing time after the opening"),
    "timezone_unknown": N_("voting.timezone: %(value)s is not a time zone; give one such as Europe/Stockholm"),
    "ballot_rule_unknown": N_("ballot.rule: %(value)s is not a ballot rule; use %(rules)s"),
    "counting_rule_unknown": N_("counting.rule: %(value)s is not a counting rule; use %(rules)s"),
    "spreadsheet_empty": N_("is empty; it needs a header row and one row per project"),
    "csv_unreadable": N_("cannot be read as CSV: save it again from the spreadsheet as CSV (a cell holds at most %(kib)s KiB)"),
    "unknown_column": N_("unknown column; the columns are id, cost, image and title_<language>, summary_<language>, …"),
    "unknown_column_language": N_("unknown column; its language is not in the settings' languages (%(languages)s); the columns are id, cost, "
        "image and title_<language>, summary_<language>, …"),
    "column_missing": N_("this column is missing from the header row"),
    "row_too_many_cells": N_("has %(cells)s cells but the header has %(columns)s columns; check for an extra separator"),
    "project_id_missing": N_("the project has no id; give each project a short unique id such as 'lekplats'"),
    "project_id_invalid": N_("%(value)s is not a usable id: use letters, digits, '-', '.', '_' (at most 64, no '/' and no '..')"),
    "project_id_repeated": N_("the id %(value)s is already used in row %(row)s; each project needs its own id"),
    "cost_missing": N_("the cost is missing; give it in whole kronor"),
    "cost_invalid": N_("%(value)s is not a cost in whole kronor, such as 180000"),
    "cost_negative": N_("the cost %(cost)s is negative; a cost is zero or more"),
    "project_text_missing": N_("the %(column)s is missing in %(language)s, the package's first language"),
    "project_text_without_first_language": N_("there is a %(column)s in another language but not in %(language)s"),
    "image_text_missing": N_("the image needs a description for people who cannot see it, in %(language)s"),
    "no_projects": N_("has no projects; add one row per project under the header"),
    "image_type": N_("%(value)s is not an image type a tablet shows; use SVG, PNG, JPEG or WebP"),
    "image_not_given": N_("the image %(value)s is not among the images given; add it to the images folder"),
    "image_too_large": N_("the image %(value)s is larger than %(megabytes)s MB; make it smaller"),
    "codes_needed": N_("check_in: check-in by code needs voting codes; make them first (Voting codes)"),
    "survey_not_tables": N_("survey: give each question as a table, such as %(example)s"),
    "survey_too_many": N_("survey: at most %(most)s questions, so it stays quick to answer"),
    "survey_unknown_setting": N_("%(name)s: unknown setting %(unknown)s; a question has id, question and answers"),
    "survey_id_invalid": N_("%(name)s: id: give a short name of small letters, digits and _, such as \"age\""),
    "survey_id_repeated": N_("%(name)s: id %(value)s is used by an earlier question"),
    "survey_answers_invalid": N_("%(name)s: answers: give 2 to %(most)s answers, each such as %(example)s"),
    "survey_answer_id_invalid": N_("%(name)s: answer %(place)s: id: give a short name of small letters, digits, _ or - (not \"none\")"),
    "survey_answer_id_repeated": N_("%(name)s: answer %(place)s: id %(value)s is used by an earlier answer"),
    "package_check": N_("%(path)s: the package's final check refused this value; see the rules for it in provisioning/README.md"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the material, where staff will look for it.

    `code` names the problem and `values` fill its sentence (`PROBLEMS`), so the office's pages can
    say it in the page's language; `detail` is a technical addition for the command line and the log.
    """

    file: str
    code: str
    values: Mapping[str, Any] = field(default_factory=dict)
    row: int | None = None
    column: str | None = None
    detail: str = ""

    @property
    def message(self) -> str:
        """The problem in English, as the command line prints it."""
        return PROBLEMS[self.code] % dict(self.values) + (f" ({self.detail})" if self.detail else "")

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class MaterialError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass
class Draft:
    """A checked, unsigned package document and the images it ships."""

    document: dict[str, Any]
    assets: dict[str, bytes] = field(default_factory=dict)

    @cached_property
    def package(self) -> packages.ElectionPackage:
        return packages.validate_document(packages.with_asset_hashes(self.document, self.assets))

    @cached_property
    def missing_texts(self) -> dict[str, list[str]]:
        """Per language, the texts it lacks: a station does not offer a language until none are missing."""
        from .coverage import missing_texts

        return {language: paths for language, paths in missing_texts(self.document).items() if paths}


def decode_spreadsheet(data: bytes) -> str:
    """Text of a CSV as Excel or LibreOffice save it: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_settings(data: bytes, file: str = "settings.toml") -> tuple[dict[str, Any], list[Problem]]:
    try:
        settings = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return {}, [Problem(file, "not_utf8")]
    except tomllib.TOMLDecodeError as error:
        return {}, [Problem(file, "toml_invalid", _toml_position(str(error), data), detail=str(error))]
    except (RecursionError, ValueError):
        return {}, [Problem(file, "toml_unusable", {"digits": LARGEST_DIGITS})]
    problems = [Problem(file, "unknown_setting", {"key": repr(key), "known": ", ".join(sorted(SETTINGS_KEYS))}) for key in settings if key not in SETTINGS_KEYS]
    for table, known in TABLE_KEYS.items():
        if isinstance(settings.get(table), dict):
            problems += [Problem(file, "unknown_table_setting", {"table": table, "key": key, "known": ", ".join(known)})
                         for key in settings[table] if key not in known]
    return settings, problems


def _languages(settings: Mapping[str, Any], file: str, problems: list[Problem]) -> list[str]:
    languages = settings.get("languages", ["sv"])
    if not isinstance(languages, list) or not languages or not all(isinstance(item, str) for item in languages):
        problems.append(Problem(file, "languages_not_list"))
        return ["sv"]
    unknown = [language for language in languages if language not in LANGUAGES]
    if unknown:
        problems.append(Problem(file, "languages_unknown", {"unknown": ", ".join(unknown), "offered": ", ".join(LANGUAGES)}))
    return [language for language in languages if language in LANGUAGES] or ["sv"]


def _text(value: Any, file: str, name: str, languages: list[str], problems: list[Problem], required: bool = True) -> dict[str, str] | None:
    if value is None:
        if required:
            problems.append(Problem(file, "text_missing", {"name": name, "language": languages[0]}))
        return None
    if isinstance(value, str):
        value = {languages[0]: value}
    if not isinstance(value, dict) or not all(isinstance(text, str) for text in value.values()):
        problems.append(Problem(file, "text_not_per_language", {"name": name, "language": languages[0]}))
        return None
    text = {language: item.strip() for language, item in value.items() if item.strip()}
    unknown = [language for language in text if language not in languages]
    if unknown:
        problems.append(Problem(file, "text_language_not_in_package", {"name": name, "unknown": ", ".join(unknown), "languages": ", ".join(languages)}))
    if not text.get(languages[0]):
        problems.append(Problem(file, "text_missing_first_language", {"name": name, "language": languages[0]}))
    return text


def _toml_position(message: str, data: bytes) -> dict[str, int]:
    """Where tomllib stopped reading, as line and column (the end of the text when it ran out)."""
    found = re.search(r"at line (\d+), column (\d+)", message)
    if found:
        return {"line": int(found.group(1)), "column": int(found.group(2))}
    lines = data.decode("utf-8-sig", "replace").split("\n")
    return {"line": len(lines), "column": len(lines[-1]) + 1}


def _is_time_zone(name: Any) -> bool:
    try:
        return isinstance(name, str) and bool(name) and ZoneInfo(name) is not None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False


def _moment(value: Any, file: str, name: str, problems: list[Problem]) -> str | None:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return moment.isoformat()
        except ValueError:
            pass
    if isinstance(value, (date, datetime, str)):
        problems.append(Problem(file, "moment_without_offset", {"name": name}))
    else:
        problems.append(Problem(file, "moment_missing", {"name": name}))
    return None


def _whole_number(value: Any, file: str, name: str, problems: list[Problem], minimum: int = 0) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem(file, "number_not_whole" if value is not None else "number_missing", {"name": name}))
        return None
    if value < minimum:
        problems.append(Problem(file, "number_too_small", {"name": name, "minimum": minimum}))
        return None
    if value > LARGEST_NUMBER:
        problems.append(Problem(file, "number_too_large", {"name": name, "maximum": LARGEST_NUMBER}))
        return None
    return value


def settings_document(settings: Mapping[str, Any], file: str = "settings.toml") -> tuple[dict[str, Any], list[str], list[Problem]]:
    """Everything in the package document except projects and keys."""
    problems: list[Problem] = []
    languages = _languages(settings, file, problems)
    election_id = settings.get("id")
    if not isinstance(election_id, str) or not IDENTIFIER.match(election_id):
        problems.append(Problem(file, "id_invalid"))
    municipality = settings.get("municipality")
    if not isinstance(municipality, str) or not municipality.strip():
        problems.append(Problem(file, "municipality_missing"))
    budget = _whole_number(settings.get("budget"), file, "budget", problems, minimum=1)
    currency = settings.get("currency", "SEK")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        problems.append(Problem(file, "currency_invalid"))
    check_in = settings.get("check_in", "open")
    if check_in not in ("open", "code", "staff"):
        problems.append(Problem(file, "check_in_unknown", {"value": repr(check_in)}))
    minimum_age = _whole_number(settings.get("minimum_age", 0), file, "minimum_age", problems)

    voting = settings.get("voting") if isinstance(settings.get("voting"), dict) else {}
    opens = _moment(voting.get("opens"), file, "voting.opens", problems)
    closes = _moment(voting.get("closes"), file, "voting.closes", problems)
    if opens and closes and datetime.fromisoformat(closes) <= datetime.fromisoformat(opens):
        problems.append(Problem(file, "closes_before_opens", {"opens": opens, "closes": closes}))
    zone = voting.get("timezone", "Europe/Stockholm")
    if not _is_time_zone(zone):
        problems.append(Problem(file, "timezone_unknown", {"value": repr(zone)}))

    ballot = settings.get("ballot") if isinstance(settings.get("ballot"), dict) else {}
    rule = ballot.get("rule")
    if rule not in BALLOT_RULES:
        problems.append(Problem(file, "ballot_rule_unknown", {"value": repr(rule), "rules": ", ".join(BALLOT_RULES)}))
    counting = settings.get("counting") if isinstance(settings.get("counting"), dict) else {}
    counting_rule = counting.get("rule", "greedy")
    if counting_rule not in COUNTING_RULES:
        problems.append(Problem(file, "counting_rule_unknown", {"value": repr(counting_rule), "rules": ", ".join(COUNTING_RULES)}))

    document: dict[str, Any] = {
        "schema_version": packages.SCHEMA_VERSION,
        "id": election_id,
        "title": _text(settings.get("title"), file, "title", languages, problems),
        "area": {"name": _text(settings.get("area"), file, "area", languages, problems), "municipality": municipality},
        "languages": languages,
        "budget": budget,
        "currency": currency,
        "voting": {"opens": opens, "closes": closes, "timezone": zone},
        "ballot": dict(ballot),
        "eligibility": {"minimum_age": minimum_age},
        "check_in": check_in,
        "counting": {"rule": counting_rule, "tie_break": "project-id"},
    }
    description = _text(settings.get("description"), file, "description", languages, problems, required=False)
    if description:
        document["description"] = description
    statement = _text(settings.get("area_statement"), file, "area_statement", languages, problems, required=False)
    if statement:
        document["eligibility"]["area_statement"] = statement
    if "survey" in settings:
        questions = _survey(settings["survey"], file, languages, problems)
        if questions:
            document["survey"] = {"questions": questions}
    return document, languages, problems


def _survey(value: Any, file: str, languages: list[str], problems: list[Problem]) -> list[dict[str, Any]]:
    """The optional survey after the receipt, as [[survey]] tables: id, question (per language) and answers,
    each an inline table of an id and its text per language."""
    example = f'[[survey]] id = "age", question = {{ {languages[0]} = "…" }}, answers = [{{ id = "under_25", {languages[0]} = "…" }}, …]'
    if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
        problems.append(Problem(file, "survey_not_tables", {"example": example}))
        return []
    if len(value) > MAX_QUESTIONS:
        problems.append(Problem(file, "survey_too_many", {"most": MAX_QUESTIONS}))
    questions = []
    seen: set[str] = set()
    for number, item in enumerate(value[:MAX_QUESTIONS], start=1):
        name = f"survey question {number}"
        unknown = sorted(set(item) - {"id", "question", "answers"})
        if unknown:
            problems.append(Problem(file, "survey_unknown_setting", {"name": name, "unknown": ", ".join(unknown)}))
        question_id = item.get("id")
        if not isinstance(question_id, str) or not SURVEY_ID.match(question_id):
            problems.append(Problem(file, "survey_id_invalid", {"name": name}))
        elif question_id in seen:
            problems.append(Problem(file, "survey_id_repeated", {"name": name, "value": repr(question_id)}))
        seen.add(str(question_id))
        text = _text(item.get("question"), file, f"{name}: question", languages, problems)
        answers = item.get("answers")
        if not isinstance(answers, list) or not 2 <= len(answers) <= MAX_ANSWERS or not all(isinstance(answer, dict) for answer in answers):
            problems.append(Problem(file, "survey_answers_invalid", {"name": name, "most": MAX_ANSWERS, "example": f'{{ id = "yes", {languages[0]} = "…" }}'}))
            continue
        given = []
        for place, answer in enumerate(answers, start=1):
            answer = dict(answer)
            answer_id = answer.pop("id", None)
            if not isinstance(answer_id, str) or not ANSWER_ID.match(answer_id) or answer_id == "none":
                problems.append(Problem(file, "survey_answer_id_invalid", {"name": name, "place": place}))
            elif answer_id in [known["id"] for known in given]:
                problems.append(Problem(file, "survey_answer_id_repeated", {"name": name, "place": place, "value": repr(answer_id)}))
            answer_text = _text(answer, file, f"{name}: answer {place}", languages, problems)
            given.append({"id": answer_id, "text": answer_text})
        questions.append({"id": question_id, "text": text, "answers": given})
    return questions


def _cost(raw: str) -> int | None:
    """A cost as staff type it: '180000', '180 000', '180 000 kr'; never a fraction."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", raw).removesuffix("kr").removesuffix("SEK")
    if not re.fullmatch(rf"-?\d{{1,{LARGEST_DIGITS}}}", cleaned):
        return None
    return int(cleaned)


def read_projects(
    data: bytes, languages: list[str], images: Mapping[str, bytes], file: str = "projects.csv"
) -> tuple[list[dict[str, Any]], dict[str, bytes], list[Problem]]:
    """The projects of a spreadsheet, with the images they name; rows count from 1 at the header, as a spreadsheet shows them."""
    problems: list[Problem] = []
    text = decode_spreadsheet(data)
    if not text.strip():
        return [], {}, [Problem(file, "spreadsheet_empty")]
    try:
        return _read_projects(spreadsheet.rows(text), languages, images, file, problems)
    except csv.Error as error:
        return [], {}, [Problem(file, "csv_unreadable", {"kib": csv.field_size_limit() // 1024}, detail=str(error))]


def _read_projects(
    reader: Any, languages: list[str], images: Mapping[str, bytes], file: str, problems: list[Problem]
) -> tuple[list[dict[str, Any]], dict[str, bytes], list[Problem]]:
    header = [name.strip() for name in next(reader)]
    known = {"id", "cost", "image"} | {f"{column}_{language}" for column in TEXT_COLUMNS for language in languages}
    for name in header:
        if name and name not in known:
            if any(name == f"{column}_{language}" for column in TEXT_COLUMNS for language in LANGUAGES):
                problems.append(Problem(file, "unknown_column_language", {"languages": ", ".join(languages)}, 1, name))
            else:
                problems.append(Problem(file, "unknown_column", {}, 1, name))
    for needed in ["id", "cost"] + [f"{column}_{languages[0]}" for column in REQUIRED_TEXTS]:
        if needed not in header:
            problems.append(Problem(file, "column_missing", {}, 1, needed))
    if any(problem.code == "column_missing" for problem in problems):
        return [], {}, problems

    projects: list[dict[str, Any]] = []
    assets: dict[str, bytes] = {}
    first_row: dict[str, int] = {}
    for row_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(Problem(file, "row_too_many_cells", {"cells": len(cells), "columns": len(header)}, row_number))
            continue
        row = {name: (cells[index].strip() if index < len(cells) else "") for index, name in enumerate(header) if name in known}
        project: dict[str, Any] = {}
        project_id = row.get("id", "")
        if not project_id:
            problems.append(Problem(file, "project_id_missing", {}, row_number, "id"))
        elif not PROJECT_ID.match(project_id):
            problems.append(Problem(file, "project_id_invalid", {"value": repr(project_id[:70])}, row_number, "id"))
        elif project_id in first_row:
            problems.append(Problem(file, "project_id_repeated", {"value": repr(project_id), "row": first_row[project_id]}, row_number, "id"))
        else:
            first_row[project_id] = row_number
        project["id"] = project_id

        raw_cost = row.get("cost", "")
        cost = _cost(raw_cost)
        if not raw_cost:
            problems.append(Problem(file, "cost_missing", {}, row_number, "cost"))
        elif cost is None:
            problems.append(Problem(file, "cost_invalid", {"value": repr(raw_cost)}, row_number, "cost"))
        elif cost < 0:
            problems.append(Problem(file, "cost_negative", {"cost": cost}, row_number, "cost"))
        project["cost"] = cost

        for column in TEXT_COLUMNS:
            texts = {language: row[f"{column}_{language}"] for language in languages if row.get(f"{column}_{language}")}
            if column in REQUIRED_TEXTS and not texts.get(languages[0]):
                problems.append(Problem(file, "project_text_missing", {"column": column, "language": languages[0]}, row_number, f"{column}_{languages[0]}"))
            if texts:
                if texts.get(languages[0]) or column in REQUIRED_TEXTS:
                    project[column] = texts
                else:
                    problems.append(Problem(file, "project_text_without_first_language", {"column": column, "language": languages[0]}, row_number,
                                            f"{column}_{languages[0]}"))
        image = row.get("image", "")
        if image:
            asset = _image(image, images, file, row_number, problems)
            if asset:
                name = "assets/" + ASSET_NAME.sub("-", image.rsplit("/", 1)[-1])
                assets[name] = asset
                project["image"] = name
                if "image_text" not in project:
                    problems.append(Problem(file, "image_text_missing", {"language": languages[0]}, row_number, f"image_text_{languages[0]}"))
        projects.append(project)
    if not projects and not problems:
        problems.append(Problem(file, "no_projects"))
    return projects, assets, problems


def _image(name: str, images: Mapping[str, bytes], file: str, row_number: int, problems: list[Problem]) -> bytes | None:
    base = name.rsplit("/", 1)[-1]
    suffix = "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if suffix not in IMAGE_TYPES:
        problems.append(Problem(file, "image_type", {"value": repr(name)}, row_number, "image"))
        return None
    data = images.get(base)
    if data is None:
        problems.append(Problem(file, "image_not_given", {"value": repr(name)}, row_number, "image"))
        return None
    if len(data) > MAX_IMAGE_BYTES:
        problems.append(Problem(file, "image_too_large", {"value": repr(name), "megabytes": MAX_IMAGE_BYTES // (1024 * 1024)}, row_number, "image"))
        return None
    return data


def build(
    projects_csv: bytes,
    settings_toml: bytes,
    images: Mapping[str, bytes],
    keys: Mapping[str, str],
    code_hashes: list[str] | None = None,
    projects_name: str = "projects.csv",
    settings_name: str = "settings.toml",
) -> Draft:
    """Check all the material and return the unsigned draft, or raise MaterialError listing every problem."""
    settings, problems = read_settings(settings_toml, settings_name)
    document, languages, setting_problems = settings_document(settings, settings_name)
    problems += setting_problems
    projects, assets, project_problems = read_projects(projects_csv, languages, images, projects_name)
    problems += project_problems
    if document["check_in"] == "code" and not code_hashes:
        problems.append(Problem(settings_name, "codes_needed"))
    if problems:
        raise MaterialError(problems)
    document["projects"] = projects
    document["keys"] = dict(keys)
    if code_hashes:
        document["voting_codes"] = {"hash": "sha256", "hashes": sorted(set(code_hashes))}
    draft = Draft(document, assets)
    try:
        draft.package  # noqa: B018 (building the package is the check)
    except packages.PackageError as error:
        raise MaterialError([_located(str(error), projects_name, settings_name)]) from None
    return draft


def window_warnings(package: packages.ElectionPackage, now: datetime) -> list[str]:
    """What deserves a second look in the voting window, without stopping the signing:
    `closed` when it lies wholly in the past, `begun` when it is already open at `now`."""
    if now >= package.closes:
        return ["closed"]
    if now >= package.opens:
        return ["begun"]
    return []


def _located(message: str, projects_name: str, settings_name: str) -> Problem:
    """A schema or consistency message, moved from its JSON path to the spreadsheet row where it has one."""
    path, _, detail = message.partition(": ")
    match = re.match(r"\$\.projects\[(\d+)\](?:\.(\w+))?", path)
    if match:
        return Problem(projects_name, "package_check", {"path": match.group(2) or "project"}, int(match.group(1)) + 2, match.group(2), detail)
    return Problem(settings_name, "package_check", {"path": path.removeprefix("$.")}, detail=detail)
