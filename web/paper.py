"""The running head of every printed page: the election's title and district and the document's
name, in the page's language, for the @page margin boxes of the stylesheet (which add the page
numbers). A small stylesheet per document, since margin boxes can take only fixed strings."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import lazy_gettext
from markupsafe import Markup, escape

from ..election.package import text_in
from . import i18n

blueprint = Blueprint("paper", __name__)
HASH_GROUP = 8

DOCUMENTS = {
    "protocol": lazy_gettext("Protocol of the count"),
    "results": lazy_gettext("Results"),
    "zero": lazy_gettext("Zero report"),
    "reopening": lazy_gettext("Reopening report"),
    "closing": lazy_gettext("Closing report"),
    "participation": lazy_gettext("Participation report"),
}


def css_string(text: str) -> str:
    """`text` as a quoted CSS string: nothing in it can end the string or the rule."""
    escaped = "".join(character if character.isalnum() or character in " .,:;·–-()'" else f"\\{ord(character):06x}" for character in text)
    return f'"{escaped}"'


def running_head() -> str:
    """`Medborgarbudget Tensta 2026 · Tensta och Hjulsta` for the election on show, or `Vallokal`."""
    package = current_app.extensions["vallokal_current_package"]()
    if package is None:
        return "Vallokal"
    language = i18n.current_language()
    title = text_in(package.document["title"], language, package.fallback_language)[0]
    area = package.document.get("area", {}).get("name")
    return f"{title} · {text_in(area, language, package.fallback_language)[0]}" if area else title


@blueprint.get("/paper.css")
def stylesheet() -> Response:
    name = DOCUMENTS.get(request.args.get("document", ""))
    if name is None:
        abort(404)
    rules = (
        "@page {\n"
        f"  @top-left {{ content: {css_string(running_head())}; }}\n"
        f"  @top-right {{ content: {css_string(str(name))}; }}\n"
        "}\n"
    )
    return Response(rules, mimetype="text/css")


@blueprint.app_template_filter("hash_groups")
def hash_groups(value: str | None) -> Markup:
    """A hex hash that may wrap between groups of eight, never inside one; copying it gives it whole."""
    text = value or ""
    return Markup("<wbr>").join(escape(text[start:start + HASH_GROUP]) for start in range(0, len(text), HASH_GROUP))
