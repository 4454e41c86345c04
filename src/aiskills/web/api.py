"""``/api/ask``: the alignment questions over HTTP, as JSON or CSV."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from aiskills import alignment, formats
from aiskills.errors import InputError
from aiskills.output import table_csv
from aiskills.queries import NamedQuery, Page

api = Blueprint("api", __name__, url_prefix="/api")
#: Query-string names of /api/ask that are not the question's parameters.
NOT_PARAMETERS = frozenset({"format", "limit", "offset"})


def vary_accept(response: Response) -> Response:
    """``/api`` answers JSON or CSV by ``Accept``: a cache must keep them apart."""
    response.vary.add("Accept")
    return response


api.after_request(vary_accept)


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
    """``{"question", "parameters", "columns", "rows"}``; CSV with ``?format=csv`` or ``Accept: text/csv``.
    ``?limit=N&offset=M``: only those rows, in the answer's order, and ``"page": {"limit", "offset",
    "more"}`` beside them (``more``: rows follow this page)."""
    questions = _questions()
    if name not in questions:
        return jsonify(error=f"there is no question named {name!r}", questions=list(questions)), 404
    repeated = [k for k, values in request.args.lists() if len(values) > 1]
    if repeated:  # the first would be taken and the rest dropped without a word
        raise InputError(
            f"{repeated[0]} is given {len(request.args.getlist(repeated[0]))} times",
            source=repeated[0],
            fix=f"give {repeated[0]} once (ask once per value)",
        )
    params = {k: v for k, v in request.args.items() if k not in NOT_PARAMETERS}
    fmt = api_format()
    page = Page.of(request.args.get("limit"), request.args.get("offset"), empty_is_absent=False)
    answer = alignment.ask(current_app.extensions["aiskills"]["store"], name, params, questions, page)
    if fmt is formats.CSV:
        return Response(
            table_csv(answer.table),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return jsonify(answer.as_dict())


def _questions() -> dict[str, NamedQuery]:
    return current_app.extensions["aiskills"]["questions"]  # type: ignore[no-any-return]


def api_format() -> formats.Format:
    """The format of an ``/api`` answer, from the format registry: the one ``?format=`` names (any
    case), else the one ``Accept`` prefers of those ``/api`` offers, JSON when it prefers none. A name
    the registry does not give ``/api`` (or an empty one) is an ``InputError`` (a 400 by the error
    table) naming those it does."""
    name = request.args.get("format")
    if name is not None:  # given, even empty: named
        fmt = formats.by_name(name, "api")
        if fmt is None:
            offered = " or ".join(f"format={n}" for n in formats.names("api"))
            raise InputError(f"unknown format {name!r}", source="format", fix=f"use {offered}")
        return fmt
    offers = [formats.API_JSON, *(f for f in formats.offered("api") if f is not formats.API_JSON)]
    best = request.accept_mimetypes.best_match([f.media_type for f in offers], default=offers[0].media_type)
    return next(f for f in offers if f.media_type == best)
