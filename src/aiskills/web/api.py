"""``/api/ask``: the alignment questions over HTTP, as JSON or CSV."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from aiskills import alignment, formats
from aiskills.output import table_csv
from aiskills.queries import NamedQuery

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/ask")
def list_questions() -> Any:
    """Every question with its description, parameters and columns."""
    return jsonify(
        questions=[
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "parameters": [
                    {"name": p.name, "description": p.description, "optional": p.optional}
                    for p in q.parameters
                ],
                "columns": list(q.columns),
                "href": f"/api/ask/{q.name}",
            }
            for q in _questions().values()
        ]
    )


@api.get("/ask/<name>")
def ask(name: str) -> Any:
    """``{"question", "parameters", "columns", "rows"}``; CSV with ``?format=csv`` or ``Accept: text/csv``."""
    questions = _questions()
    if name not in questions:
        return jsonify(error=f"there is no question named {name!r}", questions=list(questions)), 404
    params = {k: v for k, v in request.args.items() if k != "format"}
    answer = alignment.ask(current_app.extensions["aiskills"]["store"], name, params, questions)
    if _wants_csv():
        return Response(
            table_csv(answer.table),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return jsonify(answer.as_dict())


def _questions() -> dict[str, NamedQuery]:
    return current_app.extensions["aiskills"]["questions"]  # type: ignore[no-any-return]


def _wants_csv() -> bool:
    """``?format=csv`` (a name the format registry gives CSV on ``/api``), else ``Accept: text/csv``."""
    fmt = request.args.get("format")
    if fmt:
        return formats.by_name(fmt, "api") is formats.CSV
    offers = [formats.API_JSON.media_type, formats.CSV.media_type]
    return request.accept_mimetypes.best_match(offers, default=offers[0]) == formats.CSV.media_type
