"""The OpenAPI description of /api/*: it is served, names every /api route of the app, and the app keeps
it (schemathesis sends generated requests to every operation through WSGI, with the write token, and
runs its default checks: no server error, every response as the description says)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from aiskills import loading
from aiskills.config import Settings
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

TOKEN = "openapi-test-write-token"


def _app():  # type: ignore[no-untyped-def]
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    return create_app(Settings.from_env({"AISKILLS_WRITE_TOKEN": TOKEN}), store=store)


APP = _app()
# Schema-valid requests whose values must also name stored things (a curriculum's title) or parse as a
# curriculum (any string is schema-valid text/turtle; an uploaded file's format is its name's extension)
# may rightly get 400, 415 or 422 (violations); every other check stays as schemathesis sets it.
CONFIG = SchemathesisConfig.from_str("""
[[operations]]
include-path = "/api/ask/{name}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

[[operations]]
include-path-regex = "^/api/(validate|curricula)$"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "415", "422"]
""")


@schemathesis.serializer("application/n-triples", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def _as_bytes(ctx, value):  # type: ignore[no-untyped-def]
    """Generated text and binary bodies sent as they are."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP, config=CONFIG)


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    yield APP.test_client()


def test_the_description_is_served_as_openapi_3(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = json.loads(response.data)
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_api_route_of_the_app_is_described(client) -> None:  # type: ignore[no-untyped-def]
    """Each /api rule and method the Flask app serves has an operation in the description, and the
    description names no route the app lacks."""
    doc = client.get("/api/openapi.json").get_json()
    served = set()
    for rule in APP.url_map.iter_rules():
        if rule.rule.startswith("/api"):
            path = rule.rule.replace("<path:key>", "{id}").replace("<name>", "{name}")
            served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}  # type: ignore[operator]
    described = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert served == described
    assert {"/api/ask", "/api/ask/{name}", "/api/validate", "/api/curricula", "/api/curricula/{id}"} <= {p for p, _ in served}


def test_writes_are_marked_as_needing_the_token(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/openapi.json").get_json()
    assert doc["paths"]["/api/curricula"]["post"]["security"] == [{"bearer": []}]
    assert doc["paths"]["/api/curricula/{id}"]["delete"]["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/api/curricula"]["get"]


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_app_keeps_its_description(case) -> None:  # type: ignore[no-untyped-def]
    """Generated requests (valid and invalid) to every operation: no 5xx, and every response matches
    the described status codes, content types, headers and schemas."""
    # identity: schemathesis' WSGI transport asks for gzip as `requests` does but does not unpack the
    # answer; compression is checked over real HTTP (tests/test_conditional.py)
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "identity"})


def test_the_shipped_description_is_what_the_generator_writes_from_the_routes_and_questions() -> None:
    from aiskills.web.openapi import build, spec_text

    assert spec_text() == build(APP), "src/aiskills/web/openapi.json is out of date: run `make openapi`"
    spec = json.loads(spec_text())
    from aiskills import alignment

    questions = alignment.questions()
    ask = spec["paths"]["/api/ask/{name}"]["get"]["parameters"]
    assert next(p for p in ask if p["name"] == "name")["schema"]["enum"] == sorted(q.name for q in questions)
    assert {p["name"] for p in ask if p["in"] == "query"} == {"format", "limit", "offset"} | {
        p.name for q in questions for p in q.parameters}


def test_a_new_api_route_is_described_on_regeneration_from_its_docstring() -> None:
    from aiskills.web.openapi import generate, spec_text

    store = EmbeddedStore(None)
    loading.load_bundled(store)
    app = create_app(Settings.from_env({}), store=store)

    def widgets(key: str) -> str:
        """The widgets of a thing.

        Each widget once."""
        return key

    app.add_url_rule("/api/widgets/<key>", "widgets", widgets, methods=["GET", "DELETE"])
    spec = generate(app, app.extensions["aiskills"]["questions"].values(), json.loads(spec_text()))
    added = spec["paths"]["/api/widgets/{key}"]
    assert sorted(added) == ["delete", "get"]
    assert added["get"]["summary"] == "The widgets of a thing." and added["get"]["description"] == "Each widget once."
    assert added["get"]["parameters"][0]["name"] == "key"
    assert set(spec["paths"]) == set(json.loads(spec_text())["paths"]) | {"/api/widgets/{key}"}


def test_every_read_declares_not_modified_and_every_operation_unavailable() -> None:
    """What the app answers on every route is described: 304 to a GET whose If-None-Match still holds
    (every answer of a GET carries an ETag), 503 with Retry-After when the store cannot answer."""
    from aiskills.web.openapi import spec_text

    spec = json.loads(spec_text())
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "Retry-After" in responses["503"]["headers"], (path, method)
            assert method != "get" or "304" in responses, path
    client = APP.test_client()
    first = client.get("/api/ask/framework-summary")
    again = client.get("/api/ask/framework-summary", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "304" in spec["paths"]["/api/ask/{name}"]["get"]["responses"]
