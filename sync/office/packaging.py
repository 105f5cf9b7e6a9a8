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
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template, request, send_file, session
from flask_babel import gettext

from ...election import material
from ...web import preview as ballot_preview
from . import audio, authority
from .admin import login_required

blueprint = Blueprint("packaging", __name__, url_prefix="/package")
DRAFTS = "package-drafts"
DRAFT_NAME = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
_preview_lock = threading.Lock()


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
    folder = draft_folder(name)
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
            else:
                return render_draft(save_draft(built))
    return render_template("office/package.html", problems=problems, error=error), status


def render_draft(name: str, error: str | None = None, status: int = 200) -> Any:
    built = load_draft(name)
    package = built.package
    page = render_template(
        "office/package_draft.html", name=name, summary=authority.describe(built), package=package,
        images=sorted(built.assets), error=error, warnings=material.window_warnings(package, datetime.now(timezone.utc)),
        speech=speech_facts(package.languages),
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
        try:
            built = audio.add_audio(built)
        except audio.AudioError as error:
            current_app.logger.warning("speech refused: %s", error)
            return render_draft(name, gettext("Speech could not be made, so nothing was signed: %(reason)s. Untick speech to sign without "
                "it.", reason=str(error)), 422)
    try:
        signed = authority.sign(data_folder(), built, passphrase)
    except authority.AuthorityError:
        return render_draft(name, gettext("The passphrase is wrong, or the signing key cannot be read. Nothing was signed."), 422)
    current_app.logger.info("package %s signed by %s", built.document["id"], session.get("office_user"))
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
