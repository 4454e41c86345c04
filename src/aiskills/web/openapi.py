"""``/api/openapi.json``: the OpenAPI 3 description of every ``/api/*`` route, shipped with the package."""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Response, current_app

openapi = Blueprint("openapi", __name__)


def spec_text() -> str:
    """The description as shipped in the package."""
    return files("aiskills.web").joinpath("openapi.json").read_text(encoding="utf-8")


@openapi.record_once
def _read_once(state: object) -> None:
    state.app.extensions.setdefault("aiskills", {})["openapi"] = spec_text()  # type: ignore[attr-defined]


@openapi.get("/api/openapi.json")
def openapi_json() -> Response:
    return Response(
        current_app.extensions["aiskills"]["openapi"],
        mimetype="application/json",
        headers={"Access-Control-Allow-Origin": "*"},
    )
