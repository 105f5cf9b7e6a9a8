"""Building the election package in the office's pages, for staff who never open a terminal.

Upload the spreadsheet and settings, see every problem in a table, preview the
ballot as a voter will see it (rendered by the station's own templates), sign
with the authority's passphrase, download. Drafts live in the data folder
until signed, so a preview never needs the passphrase.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext

from ...election import material, package as packages
from ...web import preview as ballot_preview
from . import audio, authority, jobs, store
from .admin import login_required
from .models import Job

blueprint = Blueprint("packaging", __name__, url_prefix="/package")
DRAFTS = "package-drafts"
DRAFT_NAME = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
SPEECH = "speech"
SPEECH_JOB = "speech-job"
_preview_lock = threading.Lock()
_speech_lock = threading.Lock()


def data_folder() -> Path:
    return Path(current_app.instance_path)


def draft_folder(name: str) -> Path:
    if not DRAFT_NAME.match(name):
        abort(404)
    folder = data_folder() / DRAFTS / name
    if not (folder / "document.json").exists():
        abort(404)
    return folder


def save_draft(built: material.Draft) -> str:
    name = secrets.token_urlsafe(18)
    folder = data_folder() / DRAFTS / name
    (folder / "assets").mkdir(parents=True)
    (folder / "document.json").write_text(json.dumps(built.document, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    for asset, data in built.assets.items():
        (folder / asset).write_bytes(data)
    return name


def load_draft(name: str) -> material.Draft:
    return _read_draft(draft_folder(name))


def _read_draft(folder: Path) -> material.Draft:
    document = json.loads((folder / "document.json").read_text(encoding="utf-8"))
    assets = {f"assets/{path.name}": path.read_bytes() for path in sorted((folder / "assets").iterdir())}
    return material.Draft(document, assets)


@blueprint.route("/", methods=["GET", "POST"])
@login_required
def upload() -> Any:
    problems: list[material.Problem] = []
    error, status = None, 200
    if request.method == "POST":
        projects = request.files.get("projects")
        settings = request.files.get("settings")
        if not projects or not projects.filename or not settings or not settings.filename:
            error, status = gettext("Choose both the projects spreadsheet (CSV) and the settings file."), 422
        else:
            images = {Path(image.filename).name: image.read() for image in request.files.getlist("images") if image and image.filename}
            try:
                built = authority.draft(data_folder(), projects.read(), settings.read(), images, Path(projects.filename).name, Path(settings.filename).name)
            except material.MaterialError as refused:
                problems, status = refused.problems, 422
            except authority.AuthorityError as refused:
                error, status = str(refused), 409
                if not authority.key_files(data_folder()).public.exists():
                    error = gettext("This office has no keys yet, so no package can be built. Make them first on the Keys page.")
            else:
                return render_draft(save_draft(built))
    return render_template("office/package.html", problems=problems, error=error), status


def render_draft(name: str, error: str | None = None, status: int = 200) -> Any:
    built = load_draft(name)
    package = built.package
    folder = draft_folder(name)
    page = render_template(
        "office/package_draft.html", name=name, summary=authority.describe(built), package=package,
        images=sorted(built.assets), error=error, warnings=material.window_warnings(package, datetime.now(timezone.utc)),
        speech=speech_facts(package.languages), speech_job=speech_job_of(folder), spoken=spoken_clips(folder),
    )
    return page, status


@blueprint.get("/<name>")
@login_required
def draft(name: str) -> Any:
    return render_draft(name)


@blueprint.get("/<name>/preview/<language>")
@login_required
def preview(name: str, language: str) -> Any:
    """The ballot page exactly as the station renders it, in one of the package's languages."""
    built = load_draft(name)
    package = built.package
    if language not in package.languages:
        abort(404)
    return preview_page(package, language)


@blueprint.post("/<name>/sign")
@login_required
def sign(name: str) -> Any:
    built = load_draft(name)
    passphrase = request.form.get("passphrase", "")[:500]
    try:
        authority.signing_key(data_folder(), passphrase)
    except authority.AuthorityError:
        return render_draft(name, gettext("The passphrase is wrong, or the signing key cannot be read. Nothing was signed."), 422)
    if request.form.get("speech") == "yes":
        spoken = with_speech(built, draft_folder(name))
        if spoken is None:
            return render_draft(name, gettext("There is no speech for this draft yet, so nothing was signed. Make the speech first, or untick "
                "speech to sign without it."), 422)
        built = spoken
    try:
        signed = authority.sign(data_folder(), built, passphrase)
    except authority.AuthorityError:
        return render_draft(name, gettext("The passphrase is wrong, or the signing key cannot be read. Nothing was signed."), 422)
    current_app.logger.info("package %s signed by %s", built.document["id"], session.get("office_user"))
    try:
        store.load_package(signed)
    except packages.PackageError as kept:
        current_app.logger.warning("package %s signed but not loaded at this office: %s", built.document["id"], kept)
    else:
        current_app.logger.info("package %s loaded: this office now runs its vote", built.document["id"])
    return send_file(io.BytesIO(signed), mimetype="application/zip", as_attachment=True, download_name=f"{built.document['id'].replace('/', '-')}.zip")


def speech_facts(languages: list[str]) -> dict[str, Any]:
    """What the sign form can promise about speech: whether the tools are here, and which languages have no voice."""
    missing_tools = audio.tools_missing()
    if missing_tools:
        return {"tools_missing": missing_tools, "voiced": [], "voiceless": list(languages)}
    voiced = [language for language in languages if audio.voice_for(language)]
    return {"tools_missing": [], "voiced": voiced, "voiceless": [language for language in languages if language not in voiced]}


def preview_app() -> Flask:
    """The app whose templates render the preview, made once per office app."""
    app = current_app.extensions.get("vallokal_preview")
    if app is None:
        with _preview_lock:
            app = current_app.extensions.get("vallokal_preview")
            if app is None:
                app = current_app.extensions["vallokal_preview"] = ballot_preview.create_app()
    return app


def preview_page(package: Any, language: str) -> str:
    return ballot_preview.ballot_page(preview_app(), package, language)


@blueprint.post("/<name>/speech")
@login_required
def start_speech(name: str) -> Any:
    """Start making the draft's speech in the background; a second click while it runs shows the same job."""
    folder = draft_folder(name)
    missing_tools = audio.tools_missing()
    if missing_tools:
        return render_draft(name, gettext("Speech cannot be made on this computer: %(tools)s is not installed.", tools=", ".join(missing_tools)), 409)
    with _speech_lock:
        running = speech_job_of(folder)
        if running is None or running.state not in ("queued", "running"):
            job = jobs.submit(jobs.SPEECH, session["office_user"], one_of_kind=False)
            (folder / SPEECH_JOB).write_text(str(job.id), encoding="utf-8")
    return redirect(url_for("packaging.speech", name=name), 303)


@blueprint.get("/<name>/speech")
@login_required
def speech(name: str) -> Any:
    """How far the speech is: clips done of all, per language, and the languages that have no voice."""
    folder = draft_folder(name)
    built = load_draft(name)
    job = speech_job_of(folder)
    if job is None:
        return redirect(url_for("packaging.draft", name=name), 303)
    return render_template("office/package_speech.html", name=name, package=built.package, job=job,
                           languages=speech_progress(built.document, job), speech=speech_facts(built.package.languages))


def speech_job_of(folder: Path) -> Job | None:
    """The latest speech job started for the draft in `folder`."""
    try:
        return jobs.get(int((folder / SPEECH_JOB).read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return None


def speech_progress(document: dict[str, Any], job: Job) -> list[dict[str, Any]]:
    """Per voiced language, its clips done of its clips: the job counts clips over all languages, spoken in order."""
    rows, before = [], 0
    finished = job.state == "done"
    for language, count in audio.clip_plan(document):
        done = count if finished else max(0, min(count, job.done - before))
        rows.append({"language": language, "done": done, "total": count})
        before += count
    return rows


class SpeechError(RuntimeError):
    for_staff = True


def speech_job(job: Job, secret: Any, progress: Any) -> None:
    """Make the speech of the draft whose folder names this job; kept only when every clip is made."""
    with _speech_lock:
        folder = next((path.parent for path in (data_folder() / DRAFTS).glob(f"*/{SPEECH_JOB}")
                       if path.read_text(encoding="utf-8").strip() == str(job.id)), None)
    if folder is None:
        raise SpeechError("the draft was removed")
    spoken = audio.add_audio(_read_draft(folder), progress=progress)
    staging = folder / f"{SPEECH}.{secrets.token_hex(6)}"
    (staging / "assets").mkdir(parents=True)
    new = {name: data for name, data in spoken.assets.items() if name.startswith("assets/speech-")}
    for asset, data in new.items():
        (staging / asset).write_bytes(data)
    facts = {"audio": spoken.document["audio"], "audio_missing": spoken.document.get("audio_missing", [])}
    (staging / "speech.json").write_text(json.dumps(facts, sort_keys=True), encoding="utf-8")
    old = folder / SPEECH
    if old.exists():
        old.rename(folder / f"{SPEECH}.old-{secrets.token_hex(6)}")
    staging.rename(old)
    for leftover in folder.glob(f"{SPEECH}.*"):
        shutil.rmtree(leftover, ignore_errors=True)
    return None


def spoken_clips(folder: Path) -> dict[str, int]:
    """The clips made for the draft, per language; empty when its speech is not made."""
    try:
        facts = json.loads((folder / SPEECH / "speech.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {language: len(clips) for language, clips in facts["audio"].items()}


def with_speech(built: material.Draft, folder: Path) -> material.Draft | None:
    """The draft with the speech its job made, or None when there is none."""
    try:
        facts = json.loads((folder / SPEECH / "speech.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    document = dict(built.document, audio=facts["audio"])
    if facts["audio_missing"]:
        document["audio_missing"] = facts["audio_missing"]
    assets = dict(built.assets)
    for path in sorted((folder / SPEECH / "assets").iterdir()):
        assets[f"assets/{path.name}"] = path.read_bytes()
    return material.Draft(document, assets)
