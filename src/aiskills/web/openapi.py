"""``/api/openapi.json``: the OpenAPI 3 description of every ``/api/*`` route, shipped with the package.

The shipped file is generated (``make openapi``, or ``python -m aiskills.web.openapi``) from what the app
registers: its paths and methods are the app's ``/api/*`` routes, the alignment questions (their
names, their parameters) come from the question registry (the headers of ``queries/alignment/*.rq``),
the ``format`` names from the format registry, and the schema of a submitted curriculum from the
submission format's field table.
The prose of each operation (summaries, response schemas) is kept from the shipped file; a route that
has none yet gets one from its view's docstring. A test checks that the shipped file is what the
generator writes, so a new route or question is one regeneration away from being described.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app

from aiskills import formats
from aiskills.queries import NamedQuery
from aiskills.submission import fields
from aiskills.submission.readers import CONTEXT_IRI
from aiskills.web.api import NOT_PARAMETERS

openapi = Blueprint("openapi", __name__)

ASK_PATH = "/api/ask/{name}"
_METHODS = ("get", "post", "put", "patch", "delete")
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


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


def _shape(path: str) -> str:
    """A path with its variables blanked, so ``/x/{id}`` and ``/x/<path:key>`` compare equal."""
    return re.sub(r"\{[^}]*\}", "{}", _VARIABLE.sub("{}", path))


def generate(app: Flask, questions: Iterable[NamedQuery], previous: dict[str, Any]) -> dict[str, Any]:
    """The description of ``app``'s ``/api/*`` routes, keeping ``previous``'s prose where it has some."""
    spec = {k: v for k, v in previous.items() if k != "paths"}
    schemas = dict(spec.get("components", {}).get("schemas", {}))
    schemas["CurriculumIn"] = fields.openapi_schema(CONTEXT_IRI)  # from the submission format's field table
    spec["components"] = {**spec.get("components", {}), "schemas": schemas}
    old_paths: dict[str, dict[str, Any]] = previous.get("paths", {})
    by_shape = {_shape(p): p for p in old_paths}
    routes: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        path = by_shape.get(_shape(rule.rule)) or _VARIABLE.sub(r"{\1}", rule.rule)
        old = old_paths.get(path, {})
        for method in sorted(m.lower() for m in (rule.methods or ()) if m.lower() in _METHODS):
            routes.setdefault(path, {})[method] = old.get(method) or _operation(app, rule.endpoint, path)
    order = {p: i for i, p in enumerate(old_paths)}
    paths = {
        p: _in_order(routes[p], list(old_paths.get(p, {})))
        for p in sorted(routes, key=lambda p: (order.get(p, len(order)), p))
    }
    if ASK_PATH in paths:
        paths[ASK_PATH] = {"get": _ask_operation(paths[ASK_PATH]["get"], list(questions))}
    for operations in paths.values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, answer in _EVERY[method].items():  # what the app answers on every such route
                responses.setdefault(status, answer)
            for p in operation.get("parameters", []):
                if p["in"] == "query" and p["name"] == "format":
                    p["schema"] = _format_schema()
    spec["paths"] = paths
    return spec


_UNAVAILABLE = {
    "description": "The store could not answer in time (a query past AISKILLS_QUERY_TIMEOUT) or at all; "
    "try again after Retry-After seconds.",
    "headers": {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}},
}
#: Answers of every operation of a method, from the app's own rules (``_finish``, the error table).
_EVERY: dict[str, dict[str, Any]] = {
    "get": {
        "304": {
            "description": "Not modified: the answer is still the one whose ETag the request sent in "
            "If-None-Match."
        },
        "503": _UNAVAILABLE,
    },
    "post": {"503": _UNAVAILABLE},
    "delete": {"503": _UNAVAILABLE},
    "put": {"503": _UNAVAILABLE},
    "patch": {"503": _UNAVAILABLE},
}


def _format_schema() -> dict[str, Any]:
    """``?format=`` on ``/api``: the names the format registry gives it (read in any case), JSON by default."""
    return {"type": "string", "enum": list(formats.names("api")), "default": formats.API_JSON.name}


def _in_order(operations: dict[str, Any], before: list[str]) -> dict[str, Any]:
    """Methods in the order the previous description had them, new ones after."""
    rank = {m: i for i, m in enumerate(before)}
    return {m: operations[m] for m in sorted(operations, key=lambda m: (rank.get(m, len(rank)), m))}


def _operation(app: Flask, endpoint: str, path: str) -> dict[str, Any]:
    """A first description of a route nobody has described yet: its view's docstring."""
    doc = (app.view_functions[endpoint].__doc__ or endpoint).strip()
    summary, _, rest = doc.partition("\n\n")
    operation: dict[str, Any] = {
        "operationId": endpoint.rsplit(".", 1)[-1],
        "summary": " ".join(summary.split()),
    }
    if rest.strip():
        operation["description"] = " ".join(rest.split())
    names = re.findall(r"\{([^}]+)\}", path)
    if names:
        operation["parameters"] = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
        ]
    operation["responses"] = {"200": {"description": "The answer."}}
    return operation


def _ask_operation(operation: dict[str, Any], questions: list[NamedQuery]) -> dict[str, Any]:
    """``GET /api/ask/{name}``: the question names and every question's parameters, from the registry."""
    kept = [p for p in operation.get("parameters", []) if p["in"] != "query" or p["name"] in NOT_PARAMETERS]
    for p in kept:
        if p["in"] == "path" and p["name"] == "name":
            p["schema"] = {"type": "string", "enum": sorted(q.name for q in questions)}
    names = list(dict.fromkeys(p.name for q in sorted(questions, key=lambda q: q.name) for p in q.parameters))
    asked = [
        {
            "name": n,
            "in": "query",
            "required": False,
            "description": _described(n, questions),
            "schema": {"type": "string"},
        }
        for n in names
    ]
    return {**operation, "parameters": kept + asked}


def _described(name: str, questions: list[NamedQuery]) -> str:
    """What the questions that take parameter ``name`` say of it, each saying once, with who says it."""
    said: dict[str, list[str]] = {}
    for q in sorted(questions, key=lambda q: q.name):
        for p in q.parameters:
            if p.name == name:
                said.setdefault(p.description, []).append(q.name + (" (optional)" if p.optional else ""))
    return "; ".join(f"{text} ({', '.join(names)})" for text, names in said.items())


def render(spec: dict[str, Any]) -> str:
    """The description as the shipped file holds it."""
    return json.dumps(spec, indent=1) + "\n"


def build(app: Flask) -> str:
    """The description for ``app``, from its routes and questions and the shipped file's prose."""
    questions = app.extensions["aiskills"]["questions"].values()
    return render(generate(app, questions, json.loads(spec_text())))


def main(argv: list[str] | None = None) -> int:
    """``python -m aiskills.web.openapi [--check] [FILE]``: write the description (by default the
    shipped ``openapi.json`` of a source checkout); with ``--check``, only say whether it is current."""
    from aiskills import loading
    from aiskills.config import Settings
    from aiskills.store.embedded import EmbeddedStore
    from aiskills.web import create_app

    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    target = Path(args[0]) if args else Path(__file__).with_name("openapi.json")
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    text = build(create_app(Settings.from_env({}), store=store))
    store.close()
    if check:
        current = target.read_text(encoding="utf-8") == text
        print(f"{target} is {'current' if current else 'out of date: run make openapi'}")
        return 0 if current else 1
    target.write_text(text, encoding="utf-8")
    print(f"{target} written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
