"""``/api/openapi.json``: the OpenAPI 3 description of every ``/api/*`` route, shipped with the package."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from flask import Blueprint, Response

openapi = Blueprint("openapi", __name__)


def spec_text() -> str:
    """The description as shipped in the package."""
    return files("aiskills.web").joinpath("openapi.json").read_text(encoding="utf-8")


def spec() -> dict[str, Any]:
    return json.loads(spec_text())  # type: ignore[no-any-return]


@openapi.get("/api/openapi.json")
def openapi_json() -> Response:
    return Response(spec_text(), mimetype="application/json", headers={"Access-Control-Allow-Origin": "*"})
