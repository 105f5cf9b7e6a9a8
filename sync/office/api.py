"""The station API: receive bundles, tell a device where to resume. JSON in, JSON out."""

from __future__ import annotations

from importlib import resources
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ...web.clock import now
from .. import bundle as bundles, fields
from . import jobs, store

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


def error(reason: str, status: int) -> tuple[Response, int]:
    return jsonify(error=reason, status=status), status


@blueprint.errorhandler(HTTPException)
def _http_error(problem: HTTPException) -> tuple[Response, int]:
    return error(problem.description or problem.name, problem.code or 500)


@blueprint.errorhandler(store.Refused)
def _refused(refusal: store.Refused) -> tuple[Response, int]:
    return error(refusal.reason, refusal.status)


@blueprint.post("/bundles")
def receive_bundle() -> Any:
    if request.mimetype != bundles.CONTENT_TYPE:
        return error(f"send a bundle as {bundles.CONTENT_TYPE}", 415)
    data = request.get_data(cache=False)
    outcome = store.ingest(data, "network", now())
    jobs.verify_later(outcome)
    package = store.election()
    acknowledgement = bundles.make_ack(
        outcome.bundle_sha256, package.id, outcome.device_id, outcome.results, outcome.high_water, current_app.extensions["vallokal_office_key"]
    )
    return jsonify(acknowledgement)


@blueprint.get("/devices/<device_id>")
def device(device_id: str) -> Any:
    try:
        fields.identifier(device_id, "device id")
    except fields.FieldError as refused:
        return error(str(refused), 404)
    status = store.device_status(device_id)
    if status is None:
        return error(f"no device {device_id} has sent anything or been enrolled", 404)
    body = {"type": "vallokal-device-status", **status}
    return jsonify(bundles.office_sign(body, current_app.extensions["vallokal_office_key"]))


@blueprint.get("/openapi.json")
def openapi() -> Response:
    text = resources.files(__package__).joinpath("openapi.json").read_text("utf-8")
    return Response(text, mimetype="application/json")


