"""``/api/curricula``: store, list, show and remove curricula over HTTP.

Storing and removing need a write token. A stored curriculum is addressed by a URL-safe key (the hash
that names its graph, as ``aiskills.curricula.key_of`` gives) or by its IRI, as ``aiskills curricula
show`` takes it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from aiskills import curricula, formats
from aiskills.curricula import CurriculumRecord
from aiskills.errors import InputError
from aiskills.output import rows_csv
from aiskills.web.api import api_format, vary_accept
from aiskills.web.auth import require_write
from aiskills.web.context import store
from aiskills.web.validate import Refused, check, parse_error, read_submission

curricula_api = Blueprint("curricula_api", __name__, url_prefix="/api/curricula")
curricula_api.after_request(vary_accept)

CSV_COLUMNS = (
    "id",
    "curriculum",
    "title",
    "provider",
    "modules",
    "outcomes",
    "submitted",
    "source",
    "sha256",
    "frameworkVersion",
    "graph",
)


def record_dict(r: CurriculumRecord) -> dict[str, object]:
    """A stored curriculum as JSON: its key (``id``), IRI, graph, counts and provenance."""
    key = curricula.key_of(r.graph)
    return {
        "id": key,
        "curriculum": r.curriculum,
        "title": r.title,
        "provider": r.provider,
        "modules": r.modules,
        "outcomes": r.outcomes,
        "submitted": r.submitted,
        "source": r.source,
        "sha256": r.sha256,
        "frameworkVersion": r.framework_version,
        "graph": r.graph,
        "href": f"/api/curricula/{key}",
    }


@curricula_api.post("")
@require_write
def submit() -> Any:
    """201 with the stored curriculum's key and location; 422 with the report when it has violations
    (nothing stored); 400, 413, 415 when it cannot be read."""
    try:
        checked = check(read_submission())
    except Refused as exc:
        return jsonify(exc.as_dict()), exc.status
    except InputError as exc:
        return jsonify(parse_error(exc)), 400
    if not checked.report.conforms:
        return jsonify(checked.as_dict()), 422
    try:
        stored = curricula.submit(store(), checked.submission, checked.report)
    except InputError as exc:
        return jsonify(parse_error(exc)), 400
    key = curricula.key_of(stored.graph)
    response = jsonify(
        id=key,
        curriculum=stored.curriculum,
        graph=stored.graph,
        triples=stored.triples,
        replaced=stored.replaced,
    )
    response.status_code = 201
    response.headers["Location"] = f"{request.script_root}/api/curricula/{key}"
    return response


@curricula_api.get("")
def list_curricula() -> Any:
    """Every stored curriculum: a JSON list, or CSV (``?format=csv`` or ``Accept: text/csv``)."""
    fmt = api_format()
    rows = [record_dict(r) for r in curricula.records(store())]
    if fmt is formats.CSV:
        return Response(
            rows_csv(CSV_COLUMNS, ([r[c] for c in CSV_COLUMNS] for r in rows)),
            mimetype=fmt.media_type,
            headers={"Content-Disposition": 'attachment; filename="curricula.csv"'},
        )
    return jsonify(rows)


@curricula_api.get("/<path:key>")
def show(key: str) -> Any:
    """One stored curriculum with its modules and their learning outcomes, as JSON (a ``format`` that
    names another is a 400 saying so); 404 when none has the key."""
    if request.args.get("format") is not None and api_format() is not formats.API_JSON:
        raise InputError(
            f"one curriculum is answered as JSON, not {request.args['format']!r}",
            source="format",
            fix="use format=json (GET /api/curricula?format=csv lists the stored curricula as CSV)",
        )
    s = store()
    record = curricula.find(s, key)
    if record is None:
        return _absent(key)
    out = record_dict(record)
    out["modules"] = [
        {
            "id": m.id,
            "title": m.title,
            "notionalHours": m.notional_hours,
            "learningOutcomes": [
                {
                    "id": o.id,
                    "statement": o.statement,
                    "bloomLevel": o.bloom_level,
                    "alignedTo": list(o.aligned_to),
                }
                for o in m.outcomes
            ],
        }
        for m in curricula.outline(s.triples(record.graph), record.curriculum)
    ]
    out["moduleCount"] = record.modules
    return jsonify(out)


@curricula_api.delete("/<path:key>")
@require_write
def remove(key: str) -> Any:
    """204 once removed; 404 when no stored curriculum has the key."""
    s = store()
    record = curricula.find(s, key)
    if record is None:
        return _absent(key)
    curricula.remove(s, record.curriculum)
    return Response(status=204)


def _absent(key: str) -> tuple[Any, int]:
    return jsonify(
        error=f"no stored curriculum has the id {key!r}",
        source=None,
        place=None,
        fix="GET /api/curricula lists the stored ones with their ids",
    ), 404
