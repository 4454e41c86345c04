"""``/graph-store``: the SPARQL 1.1 Graph Store HTTP Protocol -- reads open, writes only with a
configured write token, the status codes and content types the specification gives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import rdflib
from flask.testing import FlaskClient

from aiskills import loading
from aiskills.config import Settings
from aiskills.namespaces import ONTOLOGY_GRAPH
from aiskills.store.embedded import EmbeddedStore
from aiskills.web import create_app

TOKEN = "graph-store-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G = "http://example.org/graph/people"
TTL = b'@prefix ex: <http://example.org/> .\nex:alice ex:knows ex:bob ; ex:name "Alice" .\n'
MORE = b'<http://example.org/carol> <http://example.org/name> "Carol" .\n'


@pytest.fixture
def store() -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(None)
    loading.load_bundled(s)
    yield s
    s.close()


@pytest.fixture
def client(store: EmbeddedStore) -> FlaskClient:
    app = create_app(Settings.from_env({"AISKILLS_WRITE_TOKEN": TOKEN}), store=store)
    app.testing = True
    return app.test_client()


def _graph(client: FlaskClient, graph: str) -> rdflib.Graph:
    res = client.get("/graph-store", query_string={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert res.status_code == 200 and res.mimetype == "application/n-triples"
    return rdflib.Graph().parse(data=res.data, format="nt")


def test_put_creates_201_then_replaces_204(client: FlaskClient, store: EmbeddedStore) -> None:
    res = client.put("/graph-store", query_string={"graph": G}, data=TTL, content_type="text/turtle", headers=AUTH)
    assert res.status_code == 201 and res.headers["Location"].endswith("graph=http%3A%2F%2Fexample.org%2Fgraph%2Fpeople")
    assert len(_graph(client, G)) == 2
    res = client.put("/graph-store", query_string={"graph": G}, data=MORE, content_type="application/n-triples",
                     headers=AUTH)
    assert res.status_code == 204
    graph = _graph(client, G)
    assert len(graph) == 1 and (None, None, rdflib.Literal("Carol")) in graph
    assert next(e for e in store.catalog() if e.graph == G).active


def test_post_merges(client: FlaskClient) -> None:
    assert client.post("/graph-store", query_string={"graph": G}, data=TTL, content_type="text/turtle",
                       headers=AUTH).status_code == 201
    assert client.post("/graph-store", query_string={"graph": G}, data=MORE,
                       content_type="application/n-triples", headers=AUTH).status_code == 204
    assert len(_graph(client, G)) == 3


def test_delete_is_204_then_404(client: FlaskClient, store: EmbeddedStore) -> None:
    client.put("/graph-store", query_string={"graph": G}, data=TTL, content_type="text/turtle", headers=AUTH)
    assert client.delete("/graph-store", query_string={"graph": G}, headers=AUTH).status_code == 204
    assert G not in store.graph_names()
    res = client.delete("/graph-store", query_string={"graph": G}, headers=AUTH)
    assert res.status_code == 404 and G in res.get_data(as_text=True)
    assert client.get("/graph-store", query_string={"graph": G}).status_code == 404


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                                            ("application/ld+json", "json-ld"), ("application/n-triples", "nt")])
def test_get_negotiates_the_format(client: FlaskClient, store: EmbeddedStore, accept: str, fmt: str) -> None:
    res = client.get("/graph-store", query_string={"graph": ONTOLOGY_GRAPH}, headers={"Accept": accept})
    assert res.status_code == 200 and res.mimetype == accept
    assert len(rdflib.Graph().parse(data=res.data, format=fmt)) == store.count(ONTOLOGY_GRAPH)


def test_format_parameter_is_honoured_without_an_accept_header(client: FlaskClient, store: EmbeddedStore) -> None:
    res = client.get("/graph-store", query_string={"graph": ONTOLOGY_GRAPH, "format": "nt"})
    assert res.status_code == 200 and res.mimetype == "application/n-triples"
    assert len(rdflib.Graph().parse(data=res.data, format="nt")) == store.count(ONTOLOGY_GRAPH)


def test_head_has_the_headers_and_no_body(client: FlaskClient) -> None:
    get = client.get("/graph-store", query_string={"graph": ONTOLOGY_GRAPH})
    head = client.head("/graph-store", query_string={"graph": ONTOLOGY_GRAPH})
    assert head.status_code == 200 and head.data == b"" and head.mimetype == "text/turtle"
    assert int(head.headers["Content-Length"]) == len(get.data)


def test_the_default_graph_is_the_union_and_read_only(client: FlaskClient, store: EmbeddedStore) -> None:
    res = client.get("/graph-store", query_string={"default": ""}, headers={"Accept": "application/n-triples"})
    union = rdflib.Graph().parse(data=res.data, format="nt")
    assert res.status_code == 200 and len(union) >= store.count(ONTOLOGY_GRAPH) > 0
    put = client.put("/graph-store", query_string={"default": ""}, data=TTL, content_type="text/turtle", headers=AUTH)
    assert put.status_code == 405 and "?graph=IRI" in put.get_data(as_text=True)


def test_reads_need_no_token_and_writes_do(client: FlaskClient, store: EmbeddedStore) -> None:
    assert client.get("/graph-store", query_string={"graph": ONTOLOGY_GRAPH}).status_code == 200
    for method in ("put", "post", "delete"):
        res = getattr(client, method)("/graph-store", query_string={"graph": ONTOLOGY_GRAPH}, data=TTL,
                                      content_type="text/turtle", headers={"Authorization": "Bearer nope"})
        assert res.status_code == 401 and res.headers["WWW-Authenticate"].startswith("Bearer")
    assert ONTOLOGY_GRAPH in store.graph_names() and store.count(ONTOLOGY_GRAPH) > 2


def test_without_a_configured_token_writes_are_403_saying_how_to_enable_them(store: EmbeddedStore) -> None:
    client = create_app(Settings(), store=store).test_client()
    res = client.put("/graph-store", query_string={"graph": G}, data=TTL, content_type="text/turtle", headers=AUTH)
    assert res.status_code == 403 and "AISKILLS_WRITE_TOKEN" in res.get_data(as_text=True)
    assert G not in store.graph_names()


def test_bad_bodies_and_parameters_are_refused_with_the_reason(client: FlaskClient, store: EmbeddedStore) -> None:
    res = client.put("/graph-store", query_string={"graph": G}, data=b"@prefix ex <x> .", content_type="text/turtle",
                     headers=AUTH)
    assert res.status_code == 400 and "could not be parsed, nothing was written" in res.get_data(as_text=True)
    res = client.put("/graph-store", query_string={"graph": G}, data=b"{}", content_type="application/pdf",
                     headers=AUTH)
    assert res.status_code == 415 and "text/turtle" in res.get_data(as_text=True)
    unnamed = client.get("/graph-store")
    assert unnamed.status_code == 400 and "name exactly one graph" in unnamed.get_data(as_text=True)
    res = client.get("/graph-store", query_string={"graph": "not an iri"})
    assert res.status_code == 400 and "not an absolute IRI" in res.get_data(as_text=True)
    assert G not in store.graph_names()


def test_a_graph_over_the_cap_is_refused_not_cut(store: EmbeddedStore) -> None:
    app = create_app(Settings.from_env({"AISKILLS_RESULT_MAX_ROWS": "10"}), store=store)
    res = app.test_client().get("/graph-store", query_string={"graph": ONTOLOGY_GRAPH})
    assert res.status_code == 400 and "more than the 10" in res.get_data(as_text=True)


def test_answers_without_a_body_name_no_content_type(client: FlaskClient) -> None:
    """201 and 204 carry no body, so no ``Content-Type`` either (it was ``text/html``), on the Graph
    Store and SPARQL Update alike (one rule for the whole app)."""
    created = client.put("/graph-store", query_string={"graph": G}, data=TTL, content_type="text/turtle",
                         headers=AUTH)
    replaced = client.put("/graph-store", query_string={"graph": G}, data=TTL, content_type="text/turtle",
                          headers=AUTH)
    updated = client.post("/sparql", data={"update": f"DROP GRAPH <{G}>"}, headers=AUTH)
    for res, status in ((created, 201), (replaced, 204), (updated, 204)):
        assert res.status_code == status and res.data == b""
        assert "Content-Type" not in res.headers, res.headers
