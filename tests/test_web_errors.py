"""One table from domain error to HTTP answer: the same error gets the same status on every route, the
body is JSON, HTML or text by what the client accepts, and a storage failure is a 503 with its cause in
the log, never a 400."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask

from aiskills import loading
from aiskills.config import Settings
from aiskills.errors import ConfigError, InputError, QueryError, StoreError
from aiskills.store.embedded import EmbeddedStore
from aiskills.store.isolated import QueryTimeout
from aiskills.store.remote import RemoteStore
from aiskills.web import create_app
from aiskills.web.errors import STATUS, status_of


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    store = EmbeddedStore(None)
    loading.load_bundled(store)
    app = create_app(Settings(), store=store)
    app.testing = True
    yield app
    store.close()


@pytest.fixture()
def gone(app: Flask) -> Iterator[Flask]:
    """The app with its store replaced by a remote store whose server has gone (a port nobody listens on)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    healthy = app.extensions["aiskills"]["store"]
    settings = replace(Settings(), endpoint=f"http://127.0.0.1:{port}/sparql", query_timeout=2.0)
    app.extensions["aiskills"]["store"] = RemoteStore.from_settings(settings)
    try:
        yield app
    finally:
        app.extensions["aiskills"]["store"].close()
        app.extensions["aiskills"]["store"] = healthy


def test_the_table_gives_each_domain_error_one_status() -> None:
    assert status_of(InputError("x"))[0] == status_of(QueryError("x"))[0] == 400
    assert status_of(StoreError("x"))[0] == 503 and status_of(ConfigError("x"))[0] == 500
    timeout = status_of(QueryTimeout(2.0))
    assert timeout == (503, {"Retry-After": "5"})
    # every 503 says when to try again, as the OpenAPI description promises (a store out of reach had none)
    assert status_of(StoreError("x")) == (503, {"Retry-After": "5"})
    assert all(status != 400 for cls, status in STATUS if issubclass(cls, StoreError))


@pytest.mark.parametrize("path", ["/api/ask/framework-summary", "/sparql?query=ASK%7B%7D", "/api/curricula"])
def test_a_storage_failure_is_a_503_with_its_cause_logged_on_every_route(
        gone: Flask, path: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        response = gone.test_client().get(path, headers={"Accept": "application/json"})
    assert response.status_code == 503, response.get_data(as_text=True)
    assert "cannot reach" in response.get_json()["error"] and response.headers["Retry-After"] == "5"
    assert any(f"{path.split('?')[0]} answered 503" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("accept", "kind", "says"), [
    ("application/json", "application/json", '"error"'),
    ("text/html", "text/html", "<h1>Bad request</h1>"),
    ("text/plain", "text/plain", "there is no archetype"),
])
def test_an_error_answers_in_the_kind_the_client_accepts(app: Flask, accept: str, kind: str, says: str) -> None:
    response = app.test_client().get("/api/ask/archetype-capabilities?archetype=Nobody", headers={"Accept": accept})
    assert response.status_code == 400 and response.mimetype == kind
    body = response.get_data(as_text=True)
    assert says in body and "Nobody" in body


def test_the_same_bad_query_is_400_on_the_endpoint_and_on_the_api(app: Flask) -> None:
    client = app.test_client()
    endpoint = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x"})
    api = client.get("/api/ask/role-capabilities?role=nobody-at-all")
    assert endpoint.status_code == api.status_code == 400
    assert endpoint.mimetype == "text/plain" and api.mimetype == "application/json"


def test_a_storage_failure_under_case_is_a_503_in_imsx_status_info_shape_with_its_cause_logged(
        gone: Flask, caplog: pytest.LogCaptureFixture) -> None:
    path = "/ims/case/v1p1/CFDocuments"
    with caplog.at_level(logging.ERROR):
        response = gone.test_client().get(path)
    assert response.status_code == status_of(StoreError("x"))[0] == 503, response.get_data(as_text=True)
    body = response.get_json()
    assert body["imsx_codeMajor"] == "failure" and "cannot reach" in body["imsx_description"]
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "server_busy"
    assert any(f"{path} answered 503" in r.getMessage() for r in caplog.records)


def test_a_remote_query_out_of_time_names_the_server_as_a_possible_cause() -> None:
    """On a remote store a timeout may be the server's silence, not the query: `ASK {}` against a
    stopped server had been told to narrow itself."""
    import pickle

    remote = QueryTimeout(30.0, "http://127.0.0.1:7878/query")
    assert "the SPARQL server http://127.0.0.1:7878/query gave no answer within 30 s" in str(remote)
    assert "overloaded or stopped" in str(remote) and "narrow it" in str(remote)
    again = pickle.loads(pickle.dumps(remote))  # as a query process sends it back
    assert str(again) == str(remote)
    assert "ran for more than 30 s" in str(QueryTimeout(30.0))
