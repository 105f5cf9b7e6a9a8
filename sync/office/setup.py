"""The office's first run from the browser: the first two clerks, the authority's keys and the voting codes.

An empty office must not let anyone on the network make themselves its clerk,
so the clerk pages ask for a one-time setup token that only someone at the
office's computer can read: `vallokal office serve` prints it and writes it in
the data folder (readable by its owner only). It is gone once the two clerks
that the four-eyes rules need exist; later clerks are added with
`vallokal office add-user`.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext

from ...election import keys
from ...web.clock import now
from . import authority, key_shares, store
from .admin import login_required
from .extensions import limiter

blueprint = Blueprint("setup", __name__)
TOKEN_FILE = "setup-token"
CLERKS_AT_SETUP = 2
MAX_CODES = 200_000


def token_path(folder: Path) -> Path:
    return folder / TOKEN_FILE


def ensure_token(app: Flask) -> str | None:
    """The setup token while the office lacks its first two clerks (made now if need be); None once they exist."""
    folder = Path(app.instance_path)
    with app.app_context():
        clerks = len(store.user_names())
    path = token_path(folder)
    if clerks >= CLERKS_AT_SETUP:
        path.unlink(missing_ok=True)
        return None
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(18) + "\n", encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


@blueprint.route("/setup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 303)
def clerks() -> Any:
    """Make one of the first two clerks, given the setup token."""
    folder = Path(current_app.instance_path)
    path = token_path(folder)
    existing = store.user_names()
    if len(existing) >= CLERKS_AT_SETUP or not path.exists():
        abort(404)
    error, status = None, 200
    if request.method == "POST":
        typed = request.form.get("token", "").strip()[:100]
        username = request.form.get("username", "").strip()[:100]
        password = request.form.get("password", "")[:200]
        if not hmac.compare_digest(typed.encode(), path.read_text(encoding="utf-8").strip().encode()):
            error = gettext("That is not the setup token. Copy it from the office's computer: vallokal office serve prints it, and it is in the "
                "file %(file)s in the data folder.", file=TOKEN_FILE)
        elif not username:
            error = gettext("Give the clerk a user name.")
        elif len(password) < 12:
            error = gettext("A password has at least 12 characters.")
        elif password != request.form.get("password_again", "")[:200]:
            error = gettext("The two passwords differ. Type the same password twice.")
        else:
            try:
                store.add_user(username, password, by="setup page")
            except store.UserExists:
                error = gettext("%(name)s is a clerk already; choose another name.", name=username)
            else:
                if len(store.user_names()) >= CLERKS_AT_SETUP:
                    path.unlink(missing_ok=True)
                    return redirect(url_for("office.login"), 303)
                return redirect(url_for("setup.clerks"), 303)
        status = 422
    return render_template("office/setup.html", error=error, clerks=sorted(existing)), status


@blueprint.route("/keys", methods=["GET", "POST"])
@login_required
def authority_keys() -> Any:
    """Make the authority's signing key and the sealing key, once per election; show their fingerprints after."""
    folder = Path(current_app.instance_path)
    error, status = None, 200
    if request.method == "POST" and not authority.key_files(folder).public.exists():
        passphrase = request.form.get("passphrase", "")[:500]
        if passphrase != request.form.get("passphrase_again", "")[:500]:
            error, status = gettext("The two passphrases differ. Type the same passphrase twice."), 422
        elif len(passphrase) < authority.MIN_PASSPHRASE:
            error, status = gettext("The passphrase must have at least %(count)s characters.", count=authority.MIN_PASSPHRASE), 422
        else:
            public = authority.create_keys(folder, passphrase, keys.public_text(current_app.extensions["vallokal_office_key"]))
            current_app.config["AUTHORITY_KEY"] = public["authority_signing"]
            current_app.logger.info("authority keys made on the keys page by %s", session.get("office_user"))
            return redirect(url_for("setup.authority_keys"), 303)
    public = authority.public_keys(folder) if authority.key_files(folder).public.exists() else None
    fingerprints = {name: keys.fingerprint(value) for name, value in (public or {}).items()}
    return render_template("office/keys.html", public=public, fingerprints=fingerprints, error=error,
                           board=key_shares.board(folder) if public else None), status


@blueprint.route("/codes", methods=["GET", "POST"])
@login_required
def voting_codes() -> Any:
    """Make voting codes for check-in by code: the page answers with their printable sheet; only their hashes stay at the office."""
    folder = Path(current_app.instance_path)
    error, status = None, 200
    if request.method == "POST":
        try:
            count = int(request.form.get("count", "").strip()[:7])
        except ValueError:
            count = 0
        title = request.form.get("title", "").strip()[:120] or gettext("Citizens' budget")
        if not 1 <= count <= MAX_CODES:
            error, status = gettext("Give how many codes to make, from 1 to %(most)s.", most=MAX_CODES), 422
        else:
            try:
                made = authority.make_codes(folder, count)
            except authority.AuthorityError as refused:
                error, status = str(refused), 409
            else:
                current_app.logger.info("%s voting codes made by %s", count, session.get("office_user"))
                response = current_app.response_class(authority.code_sheet(made, title), mimetype="text/html")
                response.headers["Content-Disposition"] = f'attachment; filename="voting-codes-{now():%Y%m%d-%H%M%S}.html"'
                response.headers["Cache-Control"] = "no-store"
                return response
    try:
        held = len(authority.code_hashes(folder))
    except authority.AuthorityError as damaged:
        held, error = 0, str(damaged)
    return render_template("office/codes.html", held=held, error=error, most=MAX_CODES), status
